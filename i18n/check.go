package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// The checks every catalogue must pass, shared by the catalogue test
// (TestCatalogues) and `go run ./i18n/cmd/missing`, which lists what a
// translator has to do after new English words arrive.

// Problem is one thing wrong with one message of one language.
type Problem struct {
	Lang string
	// File is the catalogue file the key belongs in, e.g. "cy.cards.json".
	File string
	Key  string
	// Kind is one of the Problem* constants.
	Kind string
	// English is the English message (for a missing key, what to translate).
	English any
	Detail  string
}

// Kinds of Problem.
const (
	ProblemMissing      = "missing"      // English has the key, this language does not
	ProblemExtra        = "extra"        // this language has a key English does not
	ProblemWrongFile    = "wrong_file"   // the key is in another file than English's (the app loads words by file)
	ProblemEmpty        = "empty"        // an empty message or plural form
	ProblemPlaceholders = "placeholders" // {placeholders} differ from English
	ProblemPlural       = "plural"       // plural forms are not the ones CLDR gives the language
	ProblemEnglish      = "english"      // English words left in a translation
	ProblemUndescribed  = "undescribed"  // a catalogue with no entry in languages.json
	ProblemStatus       = "status"       // a language's status is incomplete
	ProblemBadValue     = "bad_value"    // neither a string nor a map of plural forms
	ProblemDigits       = "digits"       // digits other than 0-9 (the app shows 0-9 everywhere, as on the PIN pad)
)

func (p Problem) String() string {
	s := fmt.Sprintf("%s: %s %q", p.File, p.Kind, p.Key)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// catalogueFiles reads every catalogue file: language → file name → messages.
func catalogueFiles() (map[string]map[string]Catalogue, error) {
	files, err := fs.Glob(locales, "locales/*.json")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]Catalogue{}
	for _, f := range files {
		name := path.Base(f)
		lang, _, _ := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
		b, err := locales.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var msgs Catalogue
		if err := json.Unmarshal(b, &msgs); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]Catalogue{}
		}
		out[lang][name] = msgs
	}
	return out, nil
}

// fileFor is lang's file for a key that English keeps in enFile.
func fileFor(lang, enFile string) string {
	return lang + strings.TrimPrefix(enFile, Default)
}

// Check checks every language's catalogue against English and CLDR, sorted
// by language, file and key.
func Check() ([]Problem, error) {
	files, err := catalogueFiles()
	if err != nil {
		return nil, err
	}
	enFile := map[string]string{} // key → English file
	for name, msgs := range files[Default] {
		for k := range msgs {
			enFile[k] = name
		}
	}
	en := catalogues[Default]
	words := englishWords(en)
	var out []Problem
	for lang, byFile := range files {
		if _, ok := known[lang]; !ok {
			out = append(out, Problem{Lang: lang, File: "languages.json", Key: lang, Kind: ProblemUndescribed,
				Detail: "add the language's name, direction, locale and status to i18n/languages.json"})
		}
		have := map[string]string{} // key → file
		for name, msgs := range byFile {
			for k := range msgs {
				have[k] = name
			}
		}
		for k, f := range enFile {
			want := fileFor(lang, f)
			got, ok := have[k]
			switch {
			case !ok:
				p := Problem{Lang: lang, File: want, Key: k, Kind: ProblemMissing, English: en[k]}
				if _, isPlural := en[k].(map[string]any); isPlural {
					p.Detail = "plural forms " + strings.Join(wantedForms(lang, en[k]), ", ")
				}
				out = append(out, p)
			case got != want:
				out = append(out, Problem{Lang: lang, File: got, Key: k, Kind: ProblemWrongFile, Detail: "belongs in " + want})
			}
		}
		for name, msgs := range byFile {
			for k, v := range msgs {
				if _, ok := enFile[k]; !ok {
					out = append(out, Problem{Lang: lang, File: name, Key: k, Kind: ProblemExtra, Detail: "English has no such key"})
					continue
				}
				for _, p := range checkMessage(lang, k, v, en[k], words) {
					p.Lang, p.File, p.Key = lang, name, k
					out = append(out, p)
				}
			}
		}
	}
	for code, l := range known {
		if p := checkStatus(l); p != "" {
			out = append(out, Problem{Lang: code, File: "languages.json", Key: code, Kind: ProblemStatus, Detail: p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Lang != b.Lang {
			return a.Lang < b.Lang
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Kind < b.Kind
	})
	return out, nil
}

func checkStatus(l Language) string {
	switch {
	case l.Name == "" || l.English == "" || (l.Dir != "ltr" && l.Dir != "rtl") || l.Locale == "" || l.Script == "":
		return "needs name, english, dir (ltr or rtl), locale and script"
	case l.Code == Default && l.Status.Status != "source":
		return "English is the source"
	case l.Code != Default && l.Status.Status == "drafted" && (l.DraftedBy == "" || l.DraftedOn == ""):
		return "a drafted catalogue says who drafted it and when (draftedBy, draftedOn)"
	case l.Code != Default && l.Status.Status == "reviewed" && (l.ReviewedBy == "" || l.ReviewedOn == ""):
		return "a reviewed catalogue says who reviewed it and when (reviewedBy, reviewedOn)"
	case l.Code != Default && l.Status.Status != "drafted" && l.Status.Status != "reviewed":
		return `status is "drafted" or "reviewed"`
	case l.Code != Default && l.Questionnaire == "":
		return "say where the ESQ and Friends and Family Test wording comes from (questionnaire), or that no published translation was found"
	}
	return ""
}

// checkMessage checks one message against English.
func checkMessage(lang, key string, v, enV any, words map[string]bool) []Problem {
	var out []Problem
	forms, isPlural, ok := messageForms(v)
	enForms, enPlural, _ := messageForms(enV)
	if !ok {
		return []Problem{{Kind: ProblemBadValue, Detail: "a message is a string or a map of plural forms to strings"}}
	}
	for form, s := range forms {
		if strings.TrimSpace(s) == "" {
			detail := ""
			if form != "" {
				detail = "the " + form + " form"
			}
			out = append(out, Problem{Kind: ProblemEmpty, Detail: detail})
		}
	}
	for _, s := range forms {
		if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsDigit(r) && (r < '0' || r > '9') }) {
			out = append(out, Problem{Kind: ProblemDigits, Detail: "write numbers with 0-9, as the PIN pad and join codes show them"})
			break
		}
	}
	if got, want := strings.Join(placeholders(v), ","), strings.Join(placeholders(enV), ","); got != want {
		out = append(out, Problem{Kind: ProblemPlaceholders, Detail: fmt.Sprintf("uses {%s}, English uses {%s}", got, want)})
	}
	switch {
	case isPlural != enPlural && lang != Default:
		out = append(out, Problem{Kind: ProblemPlural, Detail: "English has " + kindOf(enPlural) + ", this has " + kindOf(isPlural)})
	case isPlural:
		if d := checkPluralForms(lang, forms, enForms); d != "" {
			out = append(out, Problem{Kind: ProblemPlural, Detail: d})
		}
	}
	if lang != Default {
		if d := englishLeft(lang, key, forms, enForms, words); d != "" {
			out = append(out, Problem{Kind: ProblemEnglish, Detail: d})
		}
	}
	return out
}

func kindOf(plural bool) string {
	if plural {
		return "plural forms"
	}
	return "one string"
}

// messageForms is a message's text by plural form ("" for a plain string).
func messageForms(v any) (forms map[string]string, isPlural, ok bool) {
	switch m := v.(type) {
	case string:
		return map[string]string{"": m}, false, true
	case map[string]any:
		forms = map[string]string{}
		for k, s := range m {
			str, isStr := s.(string)
			if !isStr {
				return nil, true, false
			}
			forms[k] = str
		}
		return forms, true, true
	}
	return nil, false, false
}

// checkPluralForms: a plural message has exactly the categories CLDR gives
// whole numbers in lang, plus "zero" where English has an explicit "zero"
// (a sentence for nothing at all, e.g. "no tries left", which the app and T
// use for 0 before the CLDR category).
func checkPluralForms(lang string, forms, enForms map[string]string) string {
	enPlural := map[string]any{}
	for f, s := range enForms {
		enPlural[f] = s
	}
	want := wantedForms(lang, enPlural)
	var got []string
	for _, f := range []string{"zero", "one", "two", "few", "many", "other"} {
		if _, ok := forms[f]; ok {
			got = append(got, f)
		}
	}
	for f := range forms {
		if !slices.Contains([]string{"zero", "one", "two", "few", "many", "other"}, f) {
			return fmt.Sprintf("%q is not a CLDR plural category", f)
		}
	}
	if !slices.Equal(got, want) {
		return fmt.Sprintf("has forms %s; CLDR gives %s for whole numbers: %s", strings.Join(got, ","), lang, strings.Join(want, ","))
	}
	return ""
}

// Template is what a translator starts from for a message English has and
// lang lacks: the English words, and for a plural message one entry per
// plural form lang needs (English's own form where it has one, else its
// "other"), so the translation has exactly the forms the catalogue check wants.
func Template(lang string, en any) any {
	m, ok := en.(map[string]any)
	if !ok {
		return en
	}
	out := map[string]any{}
	for _, f := range wantedForms(lang, en) {
		if s, ok := m[f]; ok {
			out[f] = s
		} else {
			out[f] = m["other"]
		}
	}
	return out
}

// wantedForms are the plural forms a translation of the English plural
// message en needs in lang.
func wantedForms(lang string, en any) []string {
	want := PluralCategories(lang)
	if m, ok := en.(map[string]any); ok && m["zero"] != nil && !slices.Contains(want, "zero") {
		want = append([]string{"zero"}, want...)
	}
	return want
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z]+\}`)

// placeholders are the {names} a message uses in any of its forms, sorted.
func placeholders(v any) []string {
	forms, _, _ := messageForms(v)
	seen := map[string]bool{}
	for _, s := range forms {
		for _, p := range placeholder.FindAllString(s, -1) {
			seen[strings.Trim(p, "{}")] = true
		}
	}
	var out []string
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// notWords are example addresses and links, the same in every language.
var notWords = regexp.MustCompile(`\S+@\S+|https?://\S+`)

var word = regexp.MustCompile(`\p{L}+(?:'\p{L}+)?`)

// englishWords are the words of the English catalogue.
func englishWords(en Catalogue) map[string]bool {
	out := map[string]bool{}
	for _, v := range en {
		forms, _, _ := messageForms(v)
		for _, s := range forms {
			s = placeholder.ReplaceAllString(s, " ")
			for _, w := range word.FindAllString(s, -1) {
				out[strings.ToLower(w)] = true
			}
		}
	}
	return out
}

// englishLeft finds English in a translation: a message the same as the
// English (unless it is only names, numbers and allowed words), or an English
// word of four letters or more that is not on the language's allow-list.
func englishLeft(lang, key string, forms, enForms map[string]string, words map[string]bool) string {
	if allowedKeys[key] {
		return ""
	}
	var found []string
	for form, s := range forms {
		text := notWords.ReplaceAllString(placeholder.ReplaceAllString(s, " "), " ")
		var english, short []string
		for _, w := range word.FindAllString(text, -1) {
			lw := strings.ToLower(w)
			if !words[lw] || allowedWord(lang, lw) {
				continue
			}
			if len([]rune(w)) >= 4 {
				english = append(english, w)
			} else {
				short = append(short, w)
			}
		}
		// The whole message left as it is in English ("Yes", "No"), or
		// English words of four letters or more anywhere.
		if enS, ok := enForms[form]; ok && enS == s && len(english)+len(short) > 0 {
			return "the same as English"
		}
		found = append(found, english...)
	}
	if len(found) == 0 {
		return ""
	}
	sort.Strings(found)
	return "English words " + strings.Join(slices.Compact(found), ", ") +
		" (if they belong in this language, add them to allowedEnglish in i18n/allowed.go)"
}

func allowedWord(lang, w string) bool {
	return slices.Contains(allowedEnglish["*"], w) || slices.Contains(allowedEnglish[lang], w)
}
