/* The one libsystemd call spanlog makes: sd_journal_sendv. Only the journal module imports
 * this. Without the location macro, entries carry no CODE_FILE/CODE_LINE of spanlog's own. */
#ifndef SPANLOG_JOURNAL_H
#define SPANLOG_JOURNAL_H

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#endif
