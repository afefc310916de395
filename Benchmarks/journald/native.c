/* The ceiling of the native protocol: sends N entries with sd_journal_sendv, as fast as it
 * can, with the same fields spanlog's journald output writes for a line in a span (or only
 * MESSAGE, PRIORITY and SYSLOG_IDENTIFIER with "minimal"). Reads the lines from stdin. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>

int main(int argc, char **argv)
{
    int minimal = argc > 2 && strcmp(argv[2], "minimal") == 0;
    const char *identifier = argc > 1 ? argv[1] : "native";
    static const char *span_fields[] = {
        "MESSAGE_ID=6b1e4a0c2f8d4c1b9a7e3d5f0c2b4a61", "OBJECT_PID=4242", "LOG_STREAM=stdout",
        "SPAN_UID=00005eed-1", "SPAN_ID=4243", "SPAN_TAGS=req.db", "SPAN_PARENT_UID=00005eed-0",
        "SPAN_ARG_ITEM=5", "SPAN_ARG_USER=35",
    };
    char message[16384], syslog_identifier[256];
    snprintf(syslog_identifier, sizeof(syslog_identifier), "SYSLOG_IDENTIFIER=%s", identifier);
    struct iovec fields[16];
    while (fgets(message + 8, sizeof(message) - 8, stdin)) {
        memcpy(message, "MESSAGE=", 8);
        size_t length = strlen(message);
        if (length > 0 && message[length - 1] == '\n')
            length--;
        int count = 0;
        fields[count++] = (struct iovec){message, length};
        fields[count++] = (struct iovec){"PRIORITY=6", 10};
        fields[count++] = (struct iovec){syslog_identifier, strlen(syslog_identifier)};
        for (size_t i = 0; !minimal && i < sizeof(span_fields) / sizeof(*span_fields); i++)
            fields[count++] = (struct iovec){(void *)span_fields[i], strlen(span_fields[i])};
        if (sd_journal_sendv(fields, count) < 0)
            return 1;
    }
    return 0;
}
