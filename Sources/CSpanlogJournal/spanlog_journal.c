/* Nothing to define: the module exists to import sd-journal.h and link libsystemd. */
#include "spanlog_journal.h"
