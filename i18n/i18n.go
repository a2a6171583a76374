// Package i18n holds Heard's message catalogues, chooses a language for a
// request, and formats messages (placeholders and plural forms) for the server's
// own texts such as push notifications. The PWA reads the same catalogues.
//
// A language's catalogue is locales/<lang>.json merged with any
// locales/<lang>.<feature>.json, so each feature can keep its own words.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed locales
var locales embed.FS

// Language describes one available language.
type Language struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Dir  string `json:"dir"`
}

// Default is the language used when nothing better matches.
const Default = "en"

var known = map[string]Language{
	"en": {Code: "en", Name: "English", Dir: "ltr"},
	"ar": {Code: "ar", Name: "العربية", Dir: "rtl"},
}

// Catalogue is one language's messages. A value is a string, or a map of plural
// category ("zero", "one", "two", "few", "many", "other") to string.
type Catalogue map[string]any

var catalogues = mustLoad()

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

// Languages lists the languages with a catalogue, English first.
func Languages() []Language {
	var out []Language
	for code := range catalogues {
		l, ok := known[code]
		if !ok {
			l = Language{Code: code, Name: code, Dir: "ltr"}
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Code == Default) != (out[j].Code == Default) {
			return out[i].Code == Default
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Supported reports whether lang has a catalogue.
func Supported(lang string) bool { _, ok := catalogues[lang]; return ok }

// Lookup returns the language and its catalogue.
func Lookup(lang string) (Language, Catalogue, bool) {
	c, ok := catalogues[lang]
	if !ok {
		return Language{}, nil, false
	}
	l, ok := known[lang]
	if !ok {
		l = Language{Code: lang, Name: lang, Dir: "ltr"}
	}
	return l, c, true
}

// Negotiate picks the best supported language from an Accept-Language header.
func Negotiate(acceptLanguage string) string {
	type choice struct {
		lang string
		q    float64
	}
	var choices []choice
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if Supported(base) && q > 0 {
			choices = append(choices, choice{base, q})
		}
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	if len(choices) > 0 {
		return choices[0].lang
	}
	return Default
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
		form, _ := m[PluralCategory(lang, count)].(string)
		if form == "" {
			form, _ = m["other"].(string)
		}
		s = form
	}
	for name, val := range vars {
		s = strings.ReplaceAll(s, "{"+name+"}", val)
	}
	return s
}

// PluralCategory is the CLDR plural category of n for the integer rules of lang.
func PluralCategory(lang string, n int) string {
	if n < 0 {
		return "other"
	}
	switch lang {
	case "ar":
		switch m := n % 100; {
		case n == 0:
			return "zero"
		case n == 1:
			return "one"
		case n == 2:
			return "two"
		case m >= 3 && m <= 10:
			return "few"
		case m >= 11 && m <= 99:
			return "many"
		}
		return "other"
	default:
		if n == 1 {
			return "one"
		}
		return "other"
	}
}
