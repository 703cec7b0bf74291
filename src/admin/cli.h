/*
 * cli.h - `refdesk admin`: manage accounts, queues and operators from the
 * command line, straight on the database (safe while the server runs).
 */
#ifndef REFDESK_ADMIN_CLI_H
#define REFDESK_ADMIN_CLI_H

/* Run `refdesk admin --data DIR SUBCOMMAND ...`; returns the exit status. */
int admin_main(int argc, char **argv);

/*
 * Create the demo library on first start: account "Demo Library", queue
 * `ask`, admin operator `admin` with a new random password, which is
 * written to `password` (at least 32 bytes).  Returns 1 when created, 0
 * when the database already had an account, or a negative errno.
 */
int admin_seed_demo(const char *data_dir, char *password);

#endif
