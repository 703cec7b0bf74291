/*
 * followups.h - questions left in a chat box while nobody was online, their
 * answers by email, and Email transcript (PROTOCOL.md §2.10).
 *
 * The mail goes out on a thread of its own (a one-thread worker pool around
 * mail_send()), one message at a time; the loop thread picks what to send
 * next once a second and after each answer.  Loop thread only.
 */
#ifndef REFDESK_OPS_FOLLOWUPS_H
#define REFDESK_OPS_FOLLOWUPS_H

#include <stdbool.h>
#include <stdio.h>

struct app;
struct app_config;

/* Start the mail thread when cfg has an SMTP server.  0, or -EIO after logging why. */
int followups_start(struct app *app);
/* Each second: send what is due, forget idle rate windows, erase old addresses. */
void followups_sweep(struct app *app);
/* After a wake-up: run the finished mails' done(). */
void followups_drain(struct app *app);
/* Wait for the mail in flight, stop the thread, free everything (before the writer goes). */
void followups_stop(struct app *app);
void followups_print_limits(FILE *out, const struct app_config *cfg);

#endif
