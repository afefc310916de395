#!/bin/bash
# Shell plumbing under spanlog (docs/collector.md): what is output, and what stays inside the script.
echo ">:p:job::" > /dev/null
name=$(echo inner-substitution)
echo "name is $name"
printf 'a\nb\nc\n' | grep -v b | tr a-z A-Z
echo "to the log" >> app.log
cat > generated.txt <<END
heredoc body
END
echo "oops" >&2
echo "<:p:job::" > /dev/null
