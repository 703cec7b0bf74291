/*
 * survey.h - what other operations read of the survey at the end of a chat
 * (survey.c has the routes).  Loop thread only.
 */
#ifndef REFDESK_OPS_SURVEY_H
#define REFDESK_OPS_SURVEY_H

#include <jansson.h>
#include <stdint.h>

struct app;

/*
 * The chat's survey answers for Chat History (new reference): an array of
 * {"kind", "question", "answer"} in the questions' order, empty when the
 * guest sent none.  `answer` is the rating, true/false, the comment's
 * text, or null for a comment deleted with the transcript.  NULL when the
 * store failed.
 */
json_t *survey_answers_json(struct app *app, int64_t chat_id);

#endif
