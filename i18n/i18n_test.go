package i18n

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Every language must have every message, so no screen shows a key or falls back
// to English half-way through.
func TestLanguagesHaveTheSameMessages(t *testing.T) {
	en := catalogues["en"]
	if len(en) == 0 {
		t.Fatal("no English messages loaded")
	}
	for lang, c := range catalogues {
		for key := range en {
			if _, ok := c[key]; !ok {
				t.Errorf("%s is missing %q", lang, key)
			}
		}
		for key := range c {
			if _, ok := en[key]; !ok {
				t.Errorf("%s has %q, which English does not", lang, key)
			}
		}
	}
}

// Each feature's file pairs up: en.cards.json needs ar.cards.json.
func TestEveryCatalogueFileHasItsPair(t *testing.T) {
	files, _ := fs.Glob(locales, "locales/*.json")
	have := map[string]bool{}
	for _, f := range files {
		have[path.Base(f)] = true
	}
	for name := range have {
		lang, rest, _ := strings.Cut(name, ".")
		for other := range catalogues {
			if other != lang && !have[other+"."+rest] {
				t.Errorf("%s has no %s.%s", name, other, rest)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z]+\}`)

func placeholders(v any) []string {
	var texts []string
	switch m := v.(type) {
	case string:
		texts = []string{m}
	case map[string]any:
		for _, s := range m {
			if str, ok := s.(string); ok {
				texts = append(texts, str)
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range texts {
		for _, p := range placeholder.FindAllString(s, -1) {
			seen[p] = true
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// A translation must use the same placeholders, or a name or time goes missing.
func TestTranslationsKeepPlaceholders(t *testing.T) {
	for key, v := range catalogues["en"] {
		want := strings.Join(placeholders(v), ",")
		for lang, c := range catalogues {
			if got := strings.Join(placeholders(c[key]), ","); got != want && c[key] != nil {
				t.Errorf("%s %q uses %s, English uses %s", lang, key, got, want)
			}
		}
	}
}

// Plural messages need the forms their language uses (Arabic has six).
func TestPluralMessagesHaveOther(t *testing.T) {
	for lang, c := range catalogues {
		for key, v := range c {
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if _, ok := m["other"]; !ok {
				t.Errorf("%s %q has no \"other\" form", lang, key)
			}
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
