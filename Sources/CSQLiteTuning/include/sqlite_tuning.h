#ifndef FLOWTRAIL_SQLITE_TUNING_H
#define FLOWTRAIL_SQLITE_TUNING_H

/// Process-wide SQLite settings that Swift cannot make itself (sqlite3_config is variadic).
/// Call before the first connection opens. Returns SQLite's result code.
int flowtrail_sqlite_configure(void);

#endif
