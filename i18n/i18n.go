// Package i18n holds Heard's message catalogues, chooses a language for a
// request, and formats messages (placeholders and plural forms) for the server's
// own texts such as push notifications. The PWA reads the same catalogues.
//
// A language's catalogue is locales/<lang>.json merged with any
// locales/<lang>.<feature>.json, so each feature can keep its own words.
// languages.json says, for each language, its name, direction, the CLDR
// locale used for plural rules, dates and numbers, and how far its words
// have been checked.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

//go:embed locales languages.json
var locales embed.FS

// Language describes one language Heard speaks.
type Language struct {
	Code string `json:"code"`
	// Name is the language's name in itself ("Cymraeg").
	Name string `json:"name"`
	// English is its name in English, for staff who pick an area's languages.
	English string `json:"english"`
	Dir     string `json:"dir"`
	// Locale is the CLDR locale behind plural rules, dates and numbers; it
	// differs from Code where CLDR knows the language by another tag (Dari is
	// fa-AF in CLDR).
	Locale string `json:"locale"`
	// Script is the ISO 15924 script, which decides the font the app needs.
	Script string `json:"script"`
	Status
}

// Status says how far a catalogue has been checked. Status is "source"
// (English), "drafted" (translated, not yet checked by a native speaker) or
// "reviewed" (checked by ReviewedBy on ReviewedOn).
type Status struct {
	Status     string `json:"status"`
	DraftedBy  string `json:"draftedBy,omitempty"`
	DraftedOn  string `json:"draftedOn,omitempty"`
	ReviewedBy string `json:"reviewedBy,omitempty"`
	ReviewedOn string `json:"reviewedOn,omitempty"`
	// Questionnaire says where the ESQ and Friends and Family Test items come
	// from (a published translation, or none found).
	Questionnaire string `json:"questionnaire,omitempty"`
	Note          string `json:"note,omitempty"`
}

// Default is the language used when nothing better matches.
const Default = "en"

// Catalogue is one language's messages. A value is a string, or a map of plural
// category ("zero", "one", "two", "few", "many", "other") to string.
type Catalogue map[string]any

var (
	catalogues          = mustLoad()
	known               = mustLoadLanguages()
	matcher, matchCodes = newMatcher()
)

func mustLoad() map[string]Catalogue {
	out := map[string]Catalogue{}
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		panic(err)
	}
	sort.Strings(files)
	for _, f := range files {
		lang, _, _ := strings.Cut(strings.TrimSuffix(path.Base(f), ".json"), ".")
		b, err := locales.ReadFile(f)
		if err != nil {
			panic(err)
		}
		var msgs Catalogue
		if err := json.Unmarshal(b, &msgs); err != nil {
			panic(fmt.Sprintf("i18n: %s: %v", f, err))
		}
		if out[lang] == nil {
			out[lang] = Catalogue{}
		}
		for k, v := range msgs {
			out[lang][k] = v
		}
	}
	return out
}

func mustLoadLanguages() map[string]Language {
	b, err := locales.ReadFile("languages.json")
	if err != nil {
		panic(err)
	}
	var langs map[string]Language
	if err := json.Unmarshal(b, &langs); err != nil {
		panic(fmt.Sprintf("i18n: languages.json: %v", err))
	}
	for code, l := range langs {
		l.Code = code
		if _, err := language.Parse(l.Locale); err != nil {
			panic(fmt.Sprintf("i18n: languages.json: %s: locale %q: %v", code, l.Locale, err))
		}
		langs[code] = l
	}
	return langs
}

// newMatcher matches a browser's languages to ours with CLDR's data: each
// language is known by its code and by its CLDR locale (a phone set to fa-AF
// gets Dari, one set to fa-IR Farsi).
func newMatcher() (language.Matcher, []string) {
	var tags []language.Tag
	var codes []string
	add := func(tag, code string) {
		tags = append(tags, language.Make(tag))
		codes = append(codes, code)
	}
	add(Default, Default) // first: what a browser with no match gets
	for _, l := range Languages() {
		if l.Code != Default {
			add(l.Code, l.Code)
		}
	}
	for _, l := range Languages() {
		if l.Locale != l.Code && l.Locale != "" {
			add(l.Locale, l.Code)
		}
	}
	return language.NewMatcher(tags), codes
}

// Languages lists the languages with a catalogue, English first, then by code.
func Languages() []Language {
	var out []Language
	for code := range catalogues {
		if l, ok := known[code]; ok {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Code == Default) != (out[j].Code == Default) {
			return out[i].Code == Default
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// AppLanguage is what the app needs of a language on every visit (kept small:
// it is part of the first visit's bytes).
type AppLanguage struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Dir    string `json:"dir"`
	Locale string `json:"locale,omitempty"`
	Script string `json:"script,omitempty"`
}

// AppLanguages lists Languages for the app.
func AppLanguages() []AppLanguage {
	var out []AppLanguage
	for _, l := range Languages() {
		a := AppLanguage{Code: l.Code, Name: l.Name, Dir: l.Dir, Script: l.Script}
		if l.Locale != l.Code {
			a.Locale = l.Locale
		}
		if a.Script == "Latn" {
			a.Script = ""
		}
		out = append(out, a)
	}
	return out
}

// Supported reports whether lang has a catalogue and a description.
func Supported(lang string) bool {
	_, ok := catalogues[lang]
	_, described := known[lang]
	return ok && described
}

// Lookup returns the language and its catalogue.
func Lookup(lang string) (Language, Catalogue, bool) {
	if !Supported(lang) {
		return Language{}, nil, false
	}
	return known[lang], catalogues[lang], true
}

// Negotiate picks the best supported language from an Accept-Language header.
func Negotiate(acceptLanguage string) string {
	wanted, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(wanted) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(wanted...)
	if conf == language.No {
		return Default
	}
	return matchCodes[i]
}

// T formats key in lang with args given as name/value pairs, falling back to
// English and then to the key itself so a missing word never breaks a screen.
// A "count" argument chooses the plural form.
func T(lang, key string, args ...any) string {
	v, ok := catalogues[lang][key]
	if !ok {
		lang = Default
		v, ok = catalogues[Default][key]
	}
	if !ok {
		return key
	}
	vars := map[string]string{}
	count := -1
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		vars[name] = fmt.Sprint(args[i+1])
		if name == "count" {
			if n, ok := args[i+1].(int); ok {
				count = n
			}
		}
	}
	var s string
	switch m := v.(type) {
	case string:
		s = m
	case map[string]any:
		s = pluralForm(lang, m, count)
	}
	for name, val := range vars {
		s = strings.ReplaceAll(s, "{"+name+"}", val)
	}
	return s
}

// pluralForm picks a plural message's form for count: an explicit "zero" for
// 0 when the message has one (as the app does), else the CLDR category.
func pluralForm(lang string, m map[string]any, count int) string {
	if count == 0 {
		if s, ok := m["zero"].(string); ok {
			return s
		}
	}
	if s, ok := m[PluralCategory(lang, count)].(string); ok && s != "" {
		return s
	}
	s, _ := m["other"].(string)
	return s
}

var formNames = map[plural.Form]string{plural.Other: "other", plural.Zero: "zero", plural.One: "one",
	plural.Two: "two", plural.Few: "few", plural.Many: "many"}

// PluralCategory is the CLDR plural category of the whole number n in lang
// (golang.org/x/text's CLDR data). A negative n is "other".
func PluralCategory(lang string, n int) string {
	if n < 0 {
		return "other"
	}
	return formNames[plural.Cardinal.MatchPlural(cldrTag(lang), n, 0, 0, 0, 0)]
}

func cldrTag(lang string) language.Tag {
	if l, ok := known[lang]; ok && l.Locale != "" {
		return language.Make(l.Locale)
	}
	return language.Make(lang)
}

// PluralCategories are the categories whole numbers take in lang, in CLDR
// order, always with "other" (the fallback every plural message needs).
func PluralCategories(lang string) []string {
	tag := cldrTag(lang)
	seen := map[plural.Form]bool{plural.Other: true}
	// CLDR's integer rules look at n, n mod 10, mod 100 and (for "many" in a
	// few languages) whole millions, so these numbers reach every category.
	for _, n := range append(upTo(1000), 1000000) {
		seen[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)] = true
	}
	var out []string
	for _, f := range []plural.Form{plural.Zero, plural.One, plural.Two, plural.Few, plural.Many, plural.Other} {
		if seen[f] {
			out = append(out, formNames[f])
		}
	}
	return out
}

func upTo(n int) []int {
	out := make([]int, n+1)
	for i := range out {
		out[i] = i
	}
	return out
}
