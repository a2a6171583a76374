package i18n

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The catalogue test: every catalogue is checked against English and CLDR
// (see Check). It fails naming each missing key with its English words, so
// after new English words arrive `go run ./i18n/cmd/missing` lists what to
// translate.
func TestCatalogues(t *testing.T) {
	if len(catalogues[Default]) == 0 {
		t.Fatal("no English messages loaded")
	}
	problems, err := Check()
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]int{}
	for _, p := range problems {
		if p.Kind == ProblemMissing {
			missing[p.Lang]++
			t.Errorf("%s is missing %q (English: %v)", p.File, p.Key, p.English)
			continue
		}
		t.Errorf("%s", p)
	}
	for lang, n := range missing {
		t.Errorf("%s lacks %d messages: `go run ./i18n/cmd/missing -lang %s` lists them", lang, n, lang)
	}
}

// Check itself finds what it must: each kind of problem, planted in a copy.
func TestCheckFindsProblems(t *testing.T) {
	words := englishWords(catalogues[Default])
	cases := []struct {
		lang, key string
		v, en     any
		kind      string
	}{
		{"cy", "k", "", "Hello", ProblemEmpty},
		{"cy", "k", "Helo {name}", "Hello {firstName}", ProblemPlaceholders},
		{"cy", "k", "Helo", "Hello {name}", ProblemPlaceholders},
		{"cy", "k", "Please try again", "Please try again", ProblemEnglish},
		{"pl", "k", "Spróbuj again", "Try again", ProblemEnglish},
		{"pl", "k", "Yes", "Yes", ProblemEnglish},
		{"pl", "k", map[string]any{"one": "{count} próba", "other": "{count} prób"}, map[string]any{"one": "{count} try", "other": "{count} tries"}, ProblemPlural},
		{"vi", "k", map[string]any{"one": "{count} lần", "other": "{count} lần"}, map[string]any{"one": "{count} try", "other": "{count} tries"}, ProblemPlural},
		{"ar", "k", map[string]any{"one": "x {count}", "other": "y {count}"}, map[string]any{"one": "{count} try", "other": "{count} tries"}, ProblemPlural},
		{"cy", "k", "{count} ymgais", map[string]any{"one": "{count} try", "other": "{count} tries"}, ProblemPlural},
		{"cy", "k", map[string]any{"other": 3}, "x", ProblemBadValue},
		{"fa", "k", "۴ تا ۶ عدد", "4 to 6 numbers", ProblemDigits},
	}
	for _, c := range cases {
		enForms, _, _ := messageForms(c.en)
		got := checkMessage(c.lang, c.key, c.v, c.en, words)
		found := false
		for _, p := range got {
			found = found || p.Kind == c.kind
		}
		if !found {
			t.Errorf("%s %v against %v: want a %s problem, got %v (English forms %v)", c.lang, c.v, c.en, c.kind, got, enForms)
		}
	}
	// And lets pass what is right.
	ok := []struct {
		lang string
		v    any
		en   any
	}{
		{"pl", map[string]any{"one": "{count} próba", "few": "{count} próby", "many": "{count} prób", "other": "{count} próby"}, map[string]any{"one": "{count} try", "other": "{count} tries"}},
		{"vi", map[string]any{"other": "Còn {count} lần"}, map[string]any{"one": "{count} try", "other": "{count} tries"}},
		{"vi", map[string]any{"zero": "Hết lượt", "other": "Còn {count} lần"}, map[string]any{"zero": "none", "one": "{count} try", "other": "{count} tries"}},
		{"cy", "Ffoniwch Childline ar 0800 1111", "Call Childline on 0800 1111"},
		{"sq", "Shkruaj si name@example.org", "Write it like name@example.org"},
	}
	for _, c := range ok {
		if got := checkMessage(c.lang, "k", c.v, c.en, words); len(got) != 0 {
			t.Errorf("%s %v: want no problem, got %v", c.lang, c.v, got)
		}
	}
}

// CLDR's plural categories for whole numbers, from golang.org/x/text.
func TestPluralCategories(t *testing.T) {
	want := map[string]string{
		"en": "one,other", "cy": "zero,one,two,few,many,other", "ar": "zero,one,two,few,many,other",
		"fa": "one,other", "prs": "one,other", "ps": "one,other", "ckb": "one,other", "ti": "one,other",
		"sq": "one,other", "vi": "other", "pl": "one,few,many,other", "ro": "one,few,other",
	}
	for lang, w := range want {
		if got := strings.Join(PluralCategories(lang), ","); got != w {
			t.Errorf("PluralCategories(%s) = %s, want %s", lang, got, w)
		}
	}
}

func TestPluralCategory(t *testing.T) {
	cases := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"}, {"en", 11, "other"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 10, "few"},
		{"ar", 11, "many"}, {"ar", 99, "many"}, {"ar", 100, "other"}, {"ar", 103, "few"}, {"ar", 111, "many"},
		{"cy", 0, "zero"}, {"cy", 1, "one"}, {"cy", 2, "two"}, {"cy", 3, "few"}, {"cy", 6, "many"}, {"cy", 7, "other"},
		{"pl", 1, "one"}, {"pl", 3, "few"}, {"pl", 5, "many"}, {"pl", 22, "few"}, {"pl", 12, "many"},
		{"ro", 1, "one"}, {"ro", 0, "few"}, {"ro", 19, "few"}, {"ro", 20, "other"},
		{"fa", 0, "one"}, {"fa", 1, "one"}, {"fa", 2, "other"}, {"prs", 1, "one"}, {"prs", 2, "other"},
		{"vi", 1, "other"}, {"ti", 0, "one"}, {"ti", 2, "other"},
	}
	for _, c := range cases {
		if got := PluralCategory(c.lang, c.n); got != c.want {
			t.Errorf("PluralCategory(%s, %d) = %s, want %s", c.lang, c.n, got, c.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := map[string]string{
		"":                           "en",
		"ar":                         "ar",
		"ar-EG,ar;q=0.9,en;q=0.8":    "ar",
		"fr-FR,fr;q=0.9":             "en",
		"fr;q=0.9,ar;q=0.5,en;q=0.4": "ar",
		"en-GB,en;q=0.9,ar;q=0.8":    "en",
		"ar;q=0":                     "en",
		"garbage;;;==,":              "en",
		"fa-AF,fa;q=0.9":             "prs",
		"prs-AF":                     "prs",
		"fa-IR":                      "fa",
		"ckb-IQ":                     "ckb",
		"ti-ER":                      "ti",
		"cy-GB,en-GB;q=0.8":          "cy",
		"ro-MD":                      "ro",
		"de-DE,pl;q=0.7":             "pl",
		"ku":                         "en",
	}
	for header, want := range cases {
		if got := Negotiate(header); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", header, got, want)
		}
	}
}

func TestTFormatsAndFallsBack(t *testing.T) {
	catalogues["en"]["test.hello"] = "Hello {name}"
	catalogues["en"]["test.count"] = map[string]any{"one": "{count} try left", "other": "{count} tries left"}
	catalogues["ar"]["test.count"] = map[string]any{"zero": "لا محاولات", "one": "محاولة واحدة", "two": "محاولتان", "few": "{count} محاولات", "many": "{count} محاولة", "other": "{count} محاولة"}
	defer func() {
		delete(catalogues["en"], "test.hello")
		delete(catalogues["en"], "test.count")
		delete(catalogues["ar"], "test.count")
	}()
	if got := T("en", "test.hello", "name", "Sam"); got != "Hello Sam" {
		t.Errorf("got %q", got)
	}
	if got := T("ar", "test.hello", "name", "Sam"); got != "Hello Sam" {
		t.Errorf("missing Arabic should fall back to English, got %q", got)
	}
	if got := T("en", "test.count", "count", 1); got != "1 try left" {
		t.Errorf("got %q", got)
	}
	if got := T("en", "test.count", "count", 3); got != "3 tries left" {
		t.Errorf("got %q", got)
	}
	if got := T("ar", "test.count", "count", 2); got != "محاولتان" {
		t.Errorf("got %q", got)
	}
	if got := T("ar", "test.count", "count", 4); got != "4 محاولات" {
		t.Errorf("got %q", got)
	}
	if got := T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("got %q", got)
	}
}

func TestLanguagesListsEnglishFirstAndArabicRTL(t *testing.T) {
	langs := Languages()
	if len(langs) < 2 || langs[0].Code != "en" {
		t.Fatalf("got %v", langs)
	}
	for _, l := range langs {
		if l.Code == "ar" && l.Dir != "rtl" {
			t.Errorf("Arabic must be rtl")
		}
	}
}

// Apply writes catalogue files as they are kept: merging a language's own
// messages back changes nothing, and new keys land in English's order.
func TestApplyKeepsTheFilesShape(t *testing.T) {
	dir := t.TempDir()
	files, err := catalogueFiles()
	if err != nil {
		t.Fatal(err)
	}
	for name := range files[Default] {
		b, _ := locales.ReadFile("locales/" + name)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lang := "ar"
	for name, msgs := range files[lang] {
		if err := Apply(dir, map[string]map[string]any{name: msgs}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, name))
		want, _ := locales.ReadFile("locales/" + name)
		if string(got) != string(want) {
			t.Errorf("%s changed when merged into itself", name)
		}
	}
	if err := Apply(dir, map[string]map[string]any{"../en.json": {"x": "y"}}); err == nil {
		t.Error("Apply wrote outside the folder")
	}
	if err := Apply(dir, map[string]map[string]any{"en.json": {"x": "y"}}); err == nil {
		t.Error("Apply changed English")
	}
}

func TestPseudoText(t *testing.T) {
	got := PseudoText("Send {name} a card")
	if got != "⟦Šéñðȳȳ {name} áȳ çáŕðȳȳ⟧" {
		t.Errorf("got %q", got)
	}
}

// A translator starts a plural message from the forms the language needs.
func TestTemplateHasTheLanguagesForms(t *testing.T) {
	en := map[string]any{"zero": "none", "one": "{count} card", "other": "{count} cards"}
	got := Template("pl", en).(map[string]any)
	if len(got) != 5 || got["few"] != "{count} cards" || got["one"] != "{count} card" || got["zero"] != "none" {
		t.Errorf("Polish template: %v", got)
	}
	if got := Template("vi", map[string]any{"one": "a", "other": "b"}).(map[string]any); len(got) != 1 || got["other"] != "b" {
		t.Errorf("Vietnamese template: %v", got)
	}
	if Template("cy", "Hello") != "Hello" {
		t.Error("a plain message is its English")
	}
}

// The twelve languages, their direction and the script their fonts follow.
func TestTheTwelveLanguages(t *testing.T) {
	want := map[string]string{"en": "ltr Latn", "cy": "ltr Latn", "ar": "rtl Arab", "fa": "rtl Arab", "prs": "rtl Arab", "ps": "rtl Arab",
		"ckb": "rtl Arab", "ti": "ltr Ethi", "sq": "ltr Latn", "vi": "ltr Latn", "pl": "ltr Latn", "ro": "ltr Latn"}
	got := map[string]string{}
	for _, l := range Languages() {
		got[l.Code] = l.Dir + " " + l.Script
	}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s is %q, want %q", code, got[code], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Heard speaks %v", got)
	}
	if l, _, _ := Lookup("prs"); l.Locale != "fa-AF" {
		t.Errorf("Dari's CLDR locale is %q, want fa-AF", l.Locale)
	}
}
