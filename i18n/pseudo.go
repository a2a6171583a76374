package i18n

import (
	"math"
	"strings"
	"unicode"
)

// Pseudo is the code of a made-up language for tests only: English with
// every letter accented, every word about 40 % longer, and every message
// marked with ⟦ ⟧, so a browser test can find any text on a screen that does
// not come from the catalogue, and any layout that breaks when words are
// longer. RegisterPseudo adds it; Heard itself never does.
const Pseudo = "en-xa"

// Pseudo-language marks around every message.
const (
	PseudoOpen  = "⟦"
	PseudoClose = "⟧"
)

var accented = map[rune]rune{
	'a': 'á', 'b': 'ƀ', 'c': 'ç', 'd': 'ð', 'e': 'é', 'f': 'ƒ', 'g': 'ĝ', 'h': 'ĥ', 'i': 'í', 'j': 'ĵ', 'k': 'ķ', 'l': 'ļ', 'm': 'ɱ',
	'n': 'ñ', 'o': 'ó', 'p': 'þ', 'q': 'ǫ', 'r': 'ŕ', 's': 'š', 't': 'ţ', 'u': 'ú', 'v': 'ṽ', 'w': 'ŵ', 'x': 'ẋ', 'y': 'ý', 'z': 'ž',
	'A': 'Á', 'B': 'Ɓ', 'C': 'Ç', 'D': 'Ð', 'E': 'É', 'F': 'Ƒ', 'G': 'Ĝ', 'H': 'Ĥ', 'I': 'Í', 'J': 'Ĵ', 'K': 'Ķ', 'L': 'Ļ', 'M': 'Ṁ',
	'N': 'Ñ', 'O': 'Ó', 'P': 'Þ', 'Q': 'Ǫ', 'R': 'Ŕ', 'S': 'Š', 'T': 'Ţ', 'U': 'Ú', 'V': 'Ṽ', 'W': 'Ŵ', 'X': 'Ẋ', 'Y': 'Ý', 'Z': 'Ž',
}

// PseudoText turns an English message into the pseudo-language, leaving
// {placeholders} as they are.
func PseudoText(s string) string {
	var b strings.Builder
	b.WriteString(PseudoOpen)
	word := 0
	flush := func() {
		for i := 0; i < int(math.Ceil(float64(word)*0.4)); i++ {
			b.WriteRune('ȳ')
		}
		word = 0
	}
	inPlaceholder := false
	for _, r := range s {
		switch {
		case r == '{':
			flush()
			inPlaceholder = true
			b.WriteRune(r)
		case r == '}':
			inPlaceholder = false
			b.WriteRune(r)
		case inPlaceholder:
			b.WriteRune(r)
		case unicode.IsLetter(r):
			word++
			if a, ok := accented[r]; ok {
				r = a
			}
			b.WriteRune(r)
		default:
			flush()
			b.WriteRune(r)
		}
	}
	flush()
	b.WriteString(PseudoClose)
	return b.String()
}

// RegisterPseudo adds the pseudo-language, made from English, to the
// languages Heard speaks. Only tests call it, before the app is built.
func RegisterPseudo() {
	c := Catalogue{}
	for k, v := range catalogues[Default] {
		switch m := v.(type) {
		case string:
			c[k] = PseudoText(m)
		case map[string]any:
			forms := map[string]any{}
			for f, s := range m {
				forms[f] = PseudoText(s.(string))
			}
			c[k] = forms
		}
	}
	catalogues[Pseudo] = c
	known[Pseudo] = Language{Code: Pseudo, Name: PseudoText("Pseudo"), English: "Pseudo-language (tests only)", Dir: "ltr",
		Locale: "en", Script: "Latn", Status: Status{Status: "drafted", DraftedBy: "tests", DraftedOn: "2026-12-01"}}
	pseudoRegistered = true
}

var pseudoRegistered bool
