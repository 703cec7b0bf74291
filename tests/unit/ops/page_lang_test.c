/*
 * page_lang_test.c - the box's page in the patron's language: the language
 * picked as i18n.js picks it, the page filled from a catalogue, hostile
 * tags and catalogue texts kept out of the markup, and the files read
 * again when they change.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "base/util.h"
#include "ops/page_lang.h"
#include "check.h"

static const char *const offered[] = { "en", "fr", "es", "de", "ar", "pt-BR" };
#define NOFFERED (sizeof(offered) / sizeof(offered[0]))

static int pick1(const char *tag)
{
	const char *wanted[] = { tag };

	return page_lang_pick(wanted, 1, offered, NOFFERED);
}

static void tags_are_spelled_as_i18n_js_spells_them(void)
{
	char out[PAGE_LANG_TAG_MAX], big[10240];

	CHECK_EQ(page_lang_normalise("FR-ca", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "fr-CA"));
	CHECK_EQ(page_lang_normalise("zh-Hant-tw", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "zh-Hant-TW"));
	CHECK_EQ(page_lang_normalise("\"><script>", out, sizeof(out)), -EINVAL);
	CHECK_EQ(page_lang_normalise("../../etc", out, sizeof(out)), -EINVAL);
	CHECK_EQ(page_lang_normalise("f", out, sizeof(out)), -EINVAL);
	CHECK_EQ(page_lang_normalise("fr-", out, sizeof(out)), -EINVAL);
	CHECK_EQ(page_lang_normalise("fr--CA", out, sizeof(out)), -EINVAL);
	CHECK_EQ(page_lang_normalise("", out, sizeof(out)), -EINVAL);
	CHECK_EQ(page_lang_normalise("en-x-123456789", out, sizeof(out)), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(page_lang_normalise(big, out, sizeof(out)) < 0);
}

static void the_first_offered_wish_wins_then_english(void)
{
	const char *two[] = { "xx", "de-AT" };
	const char *junk[] = { NULL, "\"><script>", "../../etc" };
	const char *none_en[] = { "fr" };

	CHECK_EQ(pick1("fr"), 1);
	CHECK_EQ(pick1("fr-CA"), 1);     /* the base language when only it is offered */
	CHECK_EQ(pick1("pt-br"), 5);     /* the full tag when it is */
	CHECK_EQ(pick1("ar"), 4);
	CHECK_EQ(pick1("xx"), 0);        /* unknown: English */
	CHECK_EQ(pick1("\"><script>"), 0);
	CHECK_EQ(page_lang_pick(two, 2, offered, NOFFERED), 3);
	CHECK_EQ(page_lang_pick(junk, 3, offered, NOFFERED), 0);
	CHECK_EQ(page_lang_pick(NULL, 0, offered, NOFFERED), 0);
	CHECK_EQ(page_lang_pick(none_en, 1, offered + 2, 2), -1); /* neither it nor English */
}

static void accept_language_is_read_in_order(void)
{
	char tags[4][PAGE_LANG_TAG_MAX];

	CHECK_EQ(page_lang_accept("fr-CA,fr;q=0.9, en;q=0.8,*;q=0.1", tags, 4), 3);
	CHECK(!strcmp(tags[0], "fr-CA") && !strcmp(tags[1], "fr") && !strcmp(tags[2], "en"));
	CHECK_EQ(page_lang_accept("", tags, 4), 0);
	CHECK_EQ(page_lang_accept(" , ;q=1,", tags, 4), 0);
	CHECK_EQ(page_lang_accept("a,b,c,d,e,f", tags, 4), 4); /* no more than asked */
}

/* A catalogue as page_lang_get() makes it, from JSON text. */
static struct page_lang catalogue(const char *code, bool rtl, const char *json)
{
	struct page_lang pl = { 0 };

	str_copy(pl.code, sizeof(pl.code), code);
	pl.rtl = rtl;
	pl.messages = json_loads(json, 0, NULL);
	pl.block = xstrdup("<script type=\"application/json\" id=\"rd-i18n\">{}</script>\n");
	pl.block_len = strlen(pl.block);
	return pl;
}

static char *apply(const struct page_lang *pl, const char *page)
{
	size_t len = strlen(page);

	return page_lang_apply(pl, xstrdup(page), &len);
}

static void the_page_is_filled_from_the_catalogue(void)
{
	struct page_lang pl = catalogue("ar", true,
		"{\"t\": \"عنوان\", \"b\": \"<img src=x onerror=alert(1)> & \\\"q\\\"\", \"m\": \"Minimiser\","
		" \"p\": {\"one\": \"1\", \"other\": \"n\"}, \"a\": \"A\"}");
	char *out = apply(&pl,
		"<!doctype html>\n<html lang=\"en\" data-i18n-languages=\"all\">\n<head><title data-i18n=\"t\">Title</title>"
		"<script type=\"module\" src=\"/x.js\"></script></head>\n<body>"
		"<h1 data-i18n=\"b\">Bold</h1>"
		"<button aria-label=\"Minimise\" data-i18n-attr=\"aria-label:m title:a\">x</button>"
		"<p data-i18n=\"p\">plural</p><p data-i18n=\"missing\">kept</p>"
		"<label data-i18n=\"t\"><span>child</span></label>"
		"<!-- <p data-i18n=\"t\">in a comment</p> --></body></html>");

	CHECK(strstr(out, "<html lang=\"ar\" data-i18n-languages=\"all\" dir=\"rtl\">") != NULL);
	CHECK(strstr(out, "<title data-i18n=\"t\">عنوان</title>") != NULL);
	/* A catalogue's text is text: its markup characters are escaped. */
	CHECK(strstr(out, "<h1 data-i18n=\"b\">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;</h1>") != NULL);
	CHECK(strstr(out, "<img") == NULL);
	/* Attributes set where they are, added where they are not. */
	CHECK(strstr(out, "<button aria-label=\"Minimiser\" data-i18n-attr=\"aria-label:m title:a\" title=\"A\">x</button>") != NULL);
	/* Left to i18n.js: plural forms, unknown keys, elements with children, comments. */
	CHECK(strstr(out, "<p data-i18n=\"p\">plural</p>") != NULL);
	CHECK(strstr(out, "<p data-i18n=\"missing\">kept</p>") != NULL);
	CHECK(strstr(out, "<label data-i18n=\"t\"><span>child</span></label>") != NULL);
	CHECK(strstr(out, "<!-- <p data-i18n=\"t\">in a comment</p> -->") != NULL);
	/* The catalogue goes in once, last in the body; the page's own script is left alone. */
	CHECK(strstr(out, "<script type=\"module\" src=\"/x.js\"></script></head>") != NULL);
	CHECK(strstr(out, "--><script type=\"application/json\" id=\"rd-i18n\">{}</script>\n</body>") != NULL);
	free(out);
	json_decref(pl.messages);
	free(pl.block);
}

static void a_broken_page_is_copied_not_lost(void)
{
	struct page_lang pl = catalogue("fr", false, "{\"t\": \"Titre\"}");
	char *out = apply(&pl, "<p data-i18n=\"t\">a</p> 1 < 2 <p data-i18n=\"t");

	CHECK(!strcmp(out, "<p data-i18n=\"t\">Titre</p> 1 < 2 <p data-i18n=\"t"));
	free(out);
	json_decref(pl.messages);
	free(pl.block);
}

/* A web directory with an index and catalogues, in a temporary directory. */
static char web[64];

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/shared/i18n/%s", web, rel);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* A new temporary web directory with shared/i18n/ and shared/i18n/staff/ in it. */
static void make_web(void)
{
	char path[256];

	snprintf(web, sizeof(web), "/tmp/page_lang_test.XXXXXX");
	CHECK(mkdtemp(web) != NULL);
	snprintf(path, sizeof(path), "%s/shared", web);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/shared/i18n", web);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/shared/i18n/staff", web);
	mkdir(path, 0700);
}

static void catalogues_come_from_the_files_and_follow_them(void)
{
	const char *fr[] = { "fr-CA" }, *xx[] = { "../../etc" };
	const struct page_lang *pl;
	char path[256];
	struct timespec later[2] = { { 0, UTIME_OMIT }, { 2000000000, 0 } };

	make_web();
	write_file("index.json", "{\"languages\": [{\"code\": \"en\"}, {\"code\": \"fr\", \"dir\": \"ltr\"},"
				 " {\"code\": \"ar\", \"dir\": \"rtl\"}, {\"code\": \"../x\"}]}");
	write_file("en.json", "{\"t\": \"Title\"}");
	write_file("fr.json", "{\"t\": \"</script><script>alert(1)</script>\"}");

	pl = page_lang_get(web, fr, 1);
	CHECK(pl && !strcmp(pl->code, "fr") && !pl->rtl);
	/* The block carries the catalogue, but no '<' that could end it. */
	CHECK(pl && !strstr(pl->block + 1, "<script>") && strstr(pl->block, "\\u003c/script>\\u003cscript>alert(1)"));
	CHECK(pl && strstr(pl->block, "\"offered\":[\"en\",\"fr\",\"ar\"]"));
	pl = page_lang_get(web, xx, 1);
	CHECK(pl && !strcmp(pl->code, "en"));
	/* Both stay parsed: asking for French again finds it as it was, not read anew. */
	{
		const struct page_lang *first = page_lang_get(web, fr, 1);
		char *block = first ? first->block : NULL;

		CHECK(page_lang_get(web, xx, 1) != first);
		CHECK(page_lang_get(web, fr, 1) == first && first && first->block == block);
	}
	/* A catalogue changed on disk is read again; a broken one falls back to English. */
	write_file("fr.json", "{\"t\": \"Titre\"}");
	snprintf(path, sizeof(path), "%s/shared/i18n/fr.json", web);
	utimensat(AT_FDCWD, path, later, 0);
	pl = page_lang_get(web, fr, 1);
	CHECK(pl && !strcmp(pl->code, "fr") && strstr(pl->block, "Titre"));
	write_file("fr.json", "[not json");
	later[1].tv_sec++;
	utimensat(AT_FDCWD, path, later, 0);
	pl = page_lang_get(web, fr, 1);
	CHECK(pl && !strcmp(pl->code, "en"));
	/* Without an index the page is left as it is. */
	snprintf(path, sizeof(path), "%s/shared/i18n/index.json", web);
	unlink(path);
	CHECK(page_lang_get(web, fr, 1) == NULL);
	page_lang_release();
	snprintf(path, sizeof(path), "rm -rf '%s'", web);
	CHECK_EQ(system(path), 0);
}

static void a_staff_page_carries_its_own_words_in_its_languages(void)
{
	const char *fr[] = { "fr-CA" }, *ar[] = { "ar" }, *de[] = { "de" };
	const struct page_lang *pl, *box;
	char path[256];
	struct timespec later[2] = { { 0, UTIME_OMIT }, { 2000000000, 0 } };

	make_web();
	write_file("index.json", "{\"languages\": [{\"code\": \"en\"}, {\"code\": \"fr\"}, {\"code\": \"ar\", \"dir\": \"rtl\"},"
				 " {\"code\": \"de\"}]}");
	write_file("en.json", "{\"t\": \"Title\"}");
	write_file("fr.json", "{\"t\": \"Titre\"}");
	write_file("ar.json", "{\"t\": \"x\"}");
	write_file("de.json", "{\"t\": \"Titel\"}");
	write_file("staff/en.json", "{\"s\": \"Staff\", \"t\": \"Staff title\"}");
	write_file("staff/fr.json", "{\"s\": \"Personnel\"}");

	/* Both catalogues in one, the page's own words over the patron's. */
	pl = page_lang_get_page(web, fr, 1, "en fr", "staff");
	CHECK(pl && !strcmp(pl->code, "fr"));
	CHECK(pl && !strcmp(page_lang_text(pl, "s"), "Personnel") && !strcmp(page_lang_text(pl, "t"), "Titre"));
	CHECK(pl && strstr(pl->block, "\"offered\":[\"en\",\"fr\"]") && strstr(pl->block, "\"extra\":\"staff\""));
	pl = page_lang_get_page(web, fr, 1, "en", "staff");
	CHECK(pl && !strcmp(pl->code, "en") && !strcmp(page_lang_text(pl, "t"), "Staff title"));
	/* Arabic is offered by the index but not by the page; German has no staff words: English. */
	pl = page_lang_get_page(web, ar, 1, "en fr", "staff");
	CHECK(pl && !strcmp(pl->code, "en"));
	pl = page_lang_get_page(web, de, 1, "en fr de", "staff");
	CHECK(pl && !strcmp(pl->code, "en") && !strcmp(page_lang_text(pl, "s"), "Staff"));
	/* The box's French beside the staff page's French: each its own. */
	box = page_lang_get(web, fr, 1);
	pl = page_lang_get_page(web, fr, 1, "en fr", "staff");
	CHECK(box && pl && box != pl && !page_lang_text(box, "s") && strstr(box->block, "\"offered\":[\"en\",\"fr\",\"ar\",\"de\"]"));
	CHECK(box && !strstr(box->block, "\"extra\""));
	/* The staff file changed on disk is read again. */
	write_file("staff/fr.json", "{\"s\": \"Équipe\"}");
	snprintf(path, sizeof(path), "%s/shared/i18n/staff/fr.json", web);
	utimensat(AT_FDCWD, path, later, 0);
	pl = page_lang_get_page(web, fr, 1, "en fr", "staff");
	CHECK(pl && !strcmp(page_lang_text(pl, "s"), "Équipe"));
	/* A name that is not letters is no catalogue's. */
	CHECK(page_lang_get_page(web, fr, 1, "en fr", "../staff") == NULL);
	CHECK(page_lang_get_page(web, fr, 1, "en fr", "staffstaffstaffstaff") == NULL);
	page_lang_release();
	snprintf(path, sizeof(path), "rm -rf '%s'", web);
	CHECK_EQ(system(path), 0);
}

int main(void)
{
	RUN(tags_are_spelled_as_i18n_js_spells_them);
	RUN(the_first_offered_wish_wins_then_english);
	RUN(accept_language_is_read_in_order);
	RUN(the_page_is_filled_from_the_catalogue);
	RUN(a_broken_page_is_copied_not_lost);
	RUN(catalogues_come_from_the_files_and_follow_them);
	RUN(a_staff_page_carries_its_own_words_in_its_languages);
	CHECK_EXIT();
}
