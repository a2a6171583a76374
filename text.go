package heard

import (
	"strings"
	"unicode"
)

// Names and words as people type them. A name is refused when it holds a
// control character, or a character that changes the direction of the text
// around it: with those, "Kim" can be made to look like another person's name
// in a list. A young person's own words are kept as they wrote them and
// neutralised when shown, so they cannot reorder what is shown around them.

// directional reports whether r is an explicit direction mark, embedding,
// override or isolate (Unicode's bidirectional formatting characters).
func directional(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E', // LRE, RLE, PDF, LRO, RLO
		r >= '\u2066' && r <= '\u2069',              // LRI, RLI, FSI, PDI
		r == '\u200E', r == '\u200F', r == '\u061C': // LRM, RLM, ALM
		return true
	}
	return false
}

// nameProblem says what is wrong with a name ("" when nothing): its length
// once trimmed, a control character ("control_characters"), or a direction
// character ("direction_characters").
func nameProblem(s string, min, max int) string {
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return "control_characters"
		case directional(r):
			return "direction_characters"
		}
	}
	if !textFits(s, min, max) {
		return "length"
	}
	return ""
}

// name checks a name field (nameProblem).
func (p problems) name(field, s string, min, max int) {
	problem := nameProblem(s, min, max)
	p.check(problem == "", field, problem)
}

// ShownWords is a young person's own words as shown to anyone: embeddings,
// overrides and isolates are taken out (they would otherwise run on past the
// words into the screen around them), and so are control characters other than
// line breaks and tabs.
func ShownWords(s string) string {
	if s == "" {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s)
}
