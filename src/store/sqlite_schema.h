/* sqlite_schema.h: numbered migrations of the SQLite backend (index + 1 = version). */
#ifndef PA_SQLITE_SCHEMA_H
#define PA_SQLITE_SCHEMA_H

extern const char *const pa_sqlite_migrations[];
extern const int pa_sqlite_nmigrations;

#endif
