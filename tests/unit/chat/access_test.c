/*
 * access_test.c - who may see a chat: its guest by token, an operator of
 * its account, its management link; nobody else, and a wrong answer reads
 * the same whatever was wrong.
 */
#include <errno.h>
#include <string.h>

#include "auth/auth.h"
#include "chat/access.h"
#include "check.h"

static unsigned char token_hash[AUTH_HASH_BYTES];
static const struct chat_seal chat = { 7, token_hash, "manage-0123456789abcdefghijklmnopqrstu" };

static void a_guest_sees_the_chat_by_its_token_only(void)
{
	struct chat_viewer v = { VIEWER_GUEST, 0, "tok-right" };

	CHECK_EQ(chat_may_see(&chat, &v), 0);
	v.secret = "tok-wrong";
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.secret = "";
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.secret = NULL;
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.account_id = 7;  /* an account is nothing to a guest */
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
}

static void an_operator_sees_the_chats_of_their_account_only(void)
{
	struct chat_viewer v = { VIEWER_OPERATOR, 7, NULL };

	CHECK_EQ(chat_may_see(&chat, &v), 0);
	v.account_id = 8;
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.account_id = 0;
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.account_id = 8;
	v.secret = "tok-right";  /* a token does not open another account's chat */
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
}

static void the_management_link_needs_the_account_and_the_exact_token(void)
{
	struct chat_viewer v = { VIEWER_MANAGER, 7, "manage-0123456789abcdefghijklmnopqrstu" };

	CHECK_EQ(chat_may_see(&chat, &v), 0);
	v.secret = "manage-0123456789abcdefghijklmnopqrst";   /* a prefix */
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.secret = "manage-0123456789abcdefghijklmnopqrstuv"; /* one more */
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.secret = NULL;
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
	v.secret = "manage-0123456789abcdefghijklmnopqrstu";
	v.account_id = 8;  /* the right link, in another library's session */
	CHECK_EQ(chat_may_see(&chat, &v), -ENOENT);
}

int main(void)
{
	if (auth_init() < 0)
		return 2;
	auth_token_hash(token_hash, "tok-right");
	RUN(a_guest_sees_the_chat_by_its_token_only);
	RUN(an_operator_sees_the_chats_of_their_account_only);
	RUN(the_management_link_needs_the_account_and_the_exact_token);
	CHECK_EXIT();
}
