/* ops.h: pingan backup, restore and check (ops.c), and audit verify (audit.c). Each takes
 * the arguments after its command words and returns the exit status. */
#ifndef PA_CLI_OPS_H
#define PA_CLI_OPS_H

int pa_cmd_backup(int argc, char **argv);
int pa_cmd_restore(int argc, char **argv);
int pa_cmd_check(int argc, char **argv);
int pa_cmd_audit_verify(int argc, char **argv);

#endif
