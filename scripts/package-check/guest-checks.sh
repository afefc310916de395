#!/bin/bash
# Runs inside the guest that service-check.sh boots (systemd as PID 1, the Debian 12 root with
# spanlog's dependencies but not spanlog): installs the package from /root, runs the service
# through its life, and prints one line per check, `CHECK NAME pass|FAIL DETAIL`, plus `INFO`
# lines (the systemd-analyze score). The newer build for the upgrade is spanlog_*+upgrade_*.deb.
set -u
cd /root
export DEBIAN_FRONTEND=noninteractive
check() { # NAME CONDITION-STATUS DETAIL
    local at; at=$(cut -d' ' -f1 /proc/uptime)
    if [ "$2" = 0 ]; then echo "CHECK $1 pass ${3:-} (at ${at}s)"; else echo "CHECK $1 FAIL ${3:-} (at ${at}s)"; fi
}
wait_for() { # SECONDS COMMAND...: until the command succeeds
    local limit=$1; shift
    for _ in $(seq $((limit * 4))); do "$@" > /dev/null 2>&1 && return 0; sleep 0.25; done
    return 1
}
show() { systemctl show -p "$1" --value spanlog; }
first=$(ls spanlog_*_amd64.deb | grep -v '+upgrade_' | head -1)
newer=$(ls spanlog_*+upgrade_amd64.deb 2>/dev/null | head -1)

# The guest has no network and its root has every dependency: apt needs no archive lists,
# and without them it does not rebuild its cache of Debian's 60,000 packages at every step
# (a minute each under emulation).
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin

# --- install: nothing starts --------------------------------------------------------------
apt-get install -y -q "./$first" > apt-install.log 2>&1
check install $? "$(dpkg-query -W -f='${Version} ${Status}' spanlog 2>&1)"
active=$(systemctl is-active spanlog); enabled=$(systemctl is-enabled spanlog 2>&1)
[ "$active" = inactive ] && [ "$enabled" = disabled ]
check not-started-on-install $? "is-active=$active is-enabled=$enabled"
journalctl --list-catalog 2>/dev/null | grep -qi spanlog
check catalog $? "journalctl --list-catalog names spanlog's entries"

# --- shop.service: markers, stdout lines and a log file -----------------------------------
cat > /usr/local/bin/shop.sh <<'EOF'
#!/bin/bash
mkdir -p /var/log/shop
order=0
while :; do
    order=$((order + 1))
    echo ">:t:checkout:order=$order:" > /dev/null
    echo "checkout $order: stdout line"
    echo "checkout $order: log-file line" >> /var/log/shop/shop.log
    [ $((order % 2)) = 0 ] && echo "ERROR checkout $order: card declined"
    sleep 0.7
    echo "<:t:checkout::" > /dev/null
    sleep 1
done
EOF
chmod 755 /usr/local/bin/shop.sh
cat > /etc/systemd/system/shop.service <<'EOF'
[Unit]
Description=a shop that writes checkout spans
[Service]
ExecStart=/usr/local/bin/shop.sh
EOF

# The administrator's configuration (the conffile, edited: the upgrade must keep it).
cat > /etc/spanlog/spanlog.yaml <<'EOF'
# edited by the administrator (guest-checks.sh)
targets:
  - cgroup: /sys/fs/cgroup/system.slice/shop.service
outputs:
  - journald
EOF
spanlog daemon --check > check.out 2>&1
check config-check $? "$(tail -1 check.out)"

# A cgroup target must exist when spanlog starts (it is checked then): the shop runs first.
systemctl start shop

# --- enable --now: active, READY with its status text ---------------------------------------
systemctl enable --now spanlog > enable.log 2>&1
status=$?
active=$(systemctl is-active spanlog); text=$(show StatusText)
[ $status = 0 ] && [ "$active" = active ] && grep -q '^following' <<< "$text"
check enable-now $? "is-active=$active StatusText='$text'"
[ "$active" = active ] || journalctl -u spanlog -o cat --no-pager | tail -5 | sed 's/^/INFO spanlog-journal /'
enabled=$(systemctl is-enabled spanlog)
check enabled "$([ "$enabled" = enabled ]; echo $?)" "is-enabled=$enabled"
bpftool prog show > bpf-running.txt 2>&1
bpftool link show > bpf-links-running.txt 2>&1
programs=$(grep -cE '^[0-9]+: (tracepoint|raw_tracepoint|tracing)' bpf-running.txt)
check bpf-loaded "$([ "$programs" -gt 0 ]; echo $?)" "$programs tracing programs while running"

journal() { journalctl -u shop.service SPAN_TAGS=checkout -o json --no-pager 2>/dev/null; }
wait_for 40 sh -c 'journalctl -u shop.service SPAN_TAGS=checkout -o cat --no-pager | grep -q "log-file line"'
journal > shop.json
lines=$(grep -c '"MESSAGE":"checkout [0-9]*: stdout line"' shop.json)
unit=$(grep '"MESSAGE":"checkout [0-9]*: stdout line"' shop.json | grep -c '"_SYSTEMD_UNIT":"shop.service"')
spanned=$(grep '"MESSAGE":"checkout [0-9]*: stdout line"' shop.json | grep '"SPAN_ID"' | grep -c '"SPAN_ARG_ORDER"')
[ "$lines" -gt 0 ] && [ "$unit" = "$lines" ] && [ "$spanned" = "$lines" ]
check journal-stdout $? "$lines stdout lines with SPAN_TAGS=checkout, $unit with _SYSTEMD_UNIT=shop.service, $spanned with SPAN_ID and SPAN_ARG_ORDER"
files=$(grep '"MESSAGE":"checkout [0-9]*: log-file line"' shop.json | grep -c '"_SYSTEMD_UNIT":"shop.service"')
check journal-log-file "$([ "$files" -gt 0 ]; echo $?)" "$files log-file lines with _SYSTEMD_UNIT=shop.service"
grep -m1 '"MESSAGE":"checkout [0-9]*: stdout line"' shop.json | sed 's/^/INFO entry /'
wait_for 15 sh -c 'journalctl SPANLOG_RULE=request_with_errors -o cat --no-pager | grep -q .'
alert=$(journalctl SPANLOG_RULE=request_with_errors -o json --no-pager | head -1)
[ -n "$alert" ] && grep -q '"SPAN_TAGS":"checkout"' <<< "$alert"
check alert $? "$(journalctl SPANLOG_RULE=request_with_errors -o cat --no-pager | head -1)"
slow=$(journalctl SPANLOG_RULE=slow_request -o cat --no-pager | head -1)
check alert-slow "$([ -n "$slow" ]; echo $?)" "$slow"

# --- reload: a good rule file is loaded, a broken one keeps the running rules ---------------
cat > /etc/spanlog/rules.d/orders.yaml <<'EOF'
- rule: order_seen
  desc: Every checkout (a rule added while the service runs).
  condition: span.tag[0] = checkout
  output: "order %span.enter_arg.order done"
  priority: notice
EOF
systemctl reload spanlog
status=$?
[ $status = 0 ] || systemctl status spanlog --no-pager -l 2>&1 | tail -5 | sed 's/^/INFO reload /'
wait_for 15 sh -c 'journalctl SPANLOG_RULE=order_seen -o cat --no-pager | grep -q "order"'
found=$?
text=$(show StatusText)
[ $status = 0 ] && [ $found = 0 ] && grep -q 'reloaded' <<< "$text"
check reload $? "StatusText='$text'; $(journalctl SPANLOG_RULE=order_seen -o cat --no-pager | head -1)"
printf -- '- rule: broken\n  condition: span.duration >\n  output: x\n  priority: warning\n' > /etc/spanlog/rules.d/broken.yaml
systemctl reload spanlog
sleep 2
text=$(show StatusText)
systemctl status spanlog --no-pager -l > status-broken.txt 2>&1
before=$(journalctl SPANLOG_RULE=order_seen -o cat --no-pager | wc -l)
sleep 4
after=$(journalctl SPANLOG_RULE=order_seen -o cat --no-pager | wc -l)
[ "$(systemctl is-active spanlog)" = active ] && grep -q 'reload failed' <<< "$text" && grep -q 'broken.yaml' status-broken.txt \
    && [ "$after" -gt "$before" ]
check reload-broken $? "StatusText='$text'; $(grep -m1 'broken.yaml' status-broken.txt | sed 's/^ *//'); order_seen still firing: $before -> $after"
rm /etc/spanlog/rules.d/broken.yaml
systemctl reload spanlog

# --- hardening and the watchdog ---------------------------------------------------------
systemd-analyze security spanlog --no-pager > security.txt 2>&1
score=$(sed -n 's/.*Overall exposure level for spanlog.service: *//p' security.txt)
echo "INFO security $score"
grep -E '^ *✗' security.txt | sed 's/^ */INFO open /' | head -40
check security "$([ -n "$score" ]; echo $?)" "$score"
watchdog=$(show WatchdogUSec)
since_start() { local t; t=$(show ActiveEnterTimestampMonotonic); echo $(( $(cut -d. -f1 /proc/uptime) - t / 1000000 )); }
sleep_needed=$(( 35 - $(since_start) ))
[ $sleep_needed -gt 0 ] && sleep $sleep_needed
restarts=$(show NRestarts)
[ "$(systemctl is-active spanlog)" = active ] && [ "$restarts" = 0 ] && [ "$watchdog" = 30s ]
check watchdog $? "WatchdogUSec=$watchdog, active $(since_start) s, NRestarts=$restarts"

# --- stop: nothing of spanlog stays in the kernel -----------------------------------------
systemctl stop spanlog
sleep 1
bpftool prog show > bpf-after.txt 2>&1
bpftool link show > bpf-links-after.txt 2>&1
left=$(grep -cE '^[0-9]+: (tracepoint|raw_tracepoint|tracing)' bpf-after.txt)
links=$(grep -cE '^[0-9]+: (tracing|raw_tracepoint|perf_event|tracepoint)' bpf-links-after.txt)
[ "$left" = 0 ] && [ "$links" = 0 ] && [ "$(systemctl is-active spanlog)" = inactive ]
check stop-leaves-no-bpf $? "after stop: $left tracing programs, $links tracing links (while running: $programs programs, $(grep -cE '^[0-9]+:' bpf-links-running.txt) links)"

# --- a configuration broken by hand: start fails once, with FILE:LINE:COL --------------------
cp /etc/spanlog/spanlog.yaml good.yaml
printf 'targets:\n  - comm: shop\noutputs: [journald]\nspan_timeout: soon\n' > /etc/spanlog/spanlog.yaml
spanlog daemon --check > check-broken.out 2>&1
check_status=$?
where=$(grep -o '/etc/spanlog/spanlog.yaml:[0-9]*:[0-9]*' check-broken.out | head -1)
[ $check_status = 1 ] && [ -n "$where" ]
check config-check-broken $? "daemon --check status $check_status: $(head -1 check-broken.out)"
since=$(date '+%Y-%m-%d %H:%M:%S')
systemctl start spanlog > /dev/null 2>&1
start_status=$?
sleep 5
state=$(systemctl is-active spanlog); restarts=$(show NRestarts); result=$(show Result)
logged=$(journalctl -u spanlog --since "$since" -o cat --no-pager | grep -c '/etc/spanlog/spanlog.yaml:[0-9]*:[0-9]*')
[ $start_status != 0 ] && [ "$state" = failed ] && [ "$restarts" = 0 ] && [ "$logged" -gt 0 ]
check broken-config-fails-once $? "start status $start_status, is-active=$state Result=$result NRestarts=$restarts; journal: $(journalctl -u spanlog --since "$since" -o cat --no-pager | grep -m1 'spanlog.yaml:')"
cp good.yaml /etc/spanlog/spanlog.yaml
systemctl reset-failed spanlog
systemctl start spanlog
check restart-after-fix "$([ "$(systemctl is-active spanlog)" = active ]; echo $?)" "is-active=$(systemctl is-active spanlog)"

# --- upgrade: the edited conffile stays, the running service restarts -----------------------
if [ -n "$newer" ]; then
    old_pid=$(show MainPID)
    apt-get install -y -q "./$newer" > apt-upgrade.log 2>&1
    status=$?
    wait_for 20 sh -c '[ "$(systemctl is-active spanlog)" = active ]'
    new_pid=$(show MainPID)
    grep -q '^# edited by the administrator' /etc/spanlog/spanlog.yaml
    kept=$?
    [ $status = 0 ] && [ $kept = 0 ] && [ "$new_pid" != "$old_pid" ] && [ "$(systemctl is-active spanlog)" = active ]
    check upgrade "$?" "to $(dpkg-query -W -f='${Version}' spanlog); conffile kept: $([ $kept = 0 ] && echo yes || echo no); MainPID $old_pid -> $new_pid; is-active=$(systemctl is-active spanlog)"
else
    check upgrade 1 "no newer build in /root"
fi

# --- remove, then purge -------------------------------------------------------------------
apt-get remove -y -q spanlog > apt-remove.log 2>&1
status=$?
active=$(systemctl is-active spanlog); enabled=$(systemctl is-enabled spanlog 2>&1)
[ $status = 0 ] && [ "$active" = inactive ] && [ "$enabled" != enabled ] && [ ! -e /usr/bin/spanlog ] && [ -e /etc/spanlog/spanlog.yaml ]
check remove $? "is-active=$active is-enabled=$enabled; /etc/spanlog/spanlog.yaml kept: $([ -e /etc/spanlog/spanlog.yaml ] && echo yes || echo no)"
apt-get purge -y -q spanlog > apt-purge.log 2>&1
status=$?
# dpkg removes the conffile and its directories, but not the administrator's own files
# (rules.d/orders.yaml, written above): /etc/spanlog stays for them alone.
leftovers=$(ls -d /etc/spanlog/spanlog.yaml /usr/lib/systemd/system/spanlog.service /etc/systemd/system/multi-user.target.wants/spanlog.service \
    /var/lib/systemd/deb-systemd-helper-enabled/spanlog.service* /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/spanlog.service 2>/dev/null | tr '\n' ' ')
others=$(find /etc/spanlog -type f 2>/dev/null | tr '\n' ' ')
state=$(dpkg-query -W -f='${Status}' spanlog 2>/dev/null)
[ $status = 0 ] && [ -z "$leftovers" ] && [ "$others" = "/etc/spanlog/rules.d/orders.yaml " ] && { [ -z "$state" ] || [ "$state" = "unknown ok not-installed" ]; }
check purge $? "left of the package: ${leftovers:-nothing}; the administrator's files: ${others:-none}; dpkg: ${state:-forgotten}"
echo "INFO guest $(uname -r) $(systemctl --version | head -1)"
