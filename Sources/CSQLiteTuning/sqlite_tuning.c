#include <sqlite3.h>
#include "sqlite_tuning.h"

int flowtrail_sqlite_configure(void) {
    // Memory statistics take a global mutex on every allocation; the ingest path allocates
    // per row, and nothing in flowtrail reads the statistics.
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
