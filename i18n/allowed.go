package i18n

// What a translation may keep in English (see englishLeft in check.go).
// Words are lower case; "*" applies to every language. Add a word for one
// language only when it is also that language's own word.
var allowedEnglish = map[string][]string{
	// The app's name, services and helplines are names; abbreviations stay
	// as people meet them on letters and posters; "n" is the statistician's
	// count of answers, the same in every language.
	"*": {"heard", "camhs", "childline", "shout", "ktrw", "json", "push", "android", "n",
		// File formats and phones are named as their makers name them.
		"jpeg", "png", "webp", "heic", "pdf", "iphone"},
	// Welsh: "person", "staff", "help", "rota" and "camera" are Welsh words
	// too, and "well" is "gwell" (better) after a soft mutation ("pethau'n well").
	"cy": {"person", "staff", "help", "rota", "well", "camera"},
	// Polish: its own words ("start", "link", "alert", "data" a date,
	// "same" alone) and loanwords it writes the same way.
	"pl": {"min", "tablet", "test", "start", "link", "administrator", "online", "internet", "data", "same", "alert", "sport"},
	// Romanian: its own words ("care" is "which", "place" "likes", "date"
	// data, "face" does) and Latin words it shares with English.
	"ro": {"min", "care", "minute", "internet", "urgent", "browser", "total", "interval", "data", "date", "social",
		"original", "exact", "camera", "text", "place", "administrator", "face"},
	// Vietnamese writes "email" and "camera" as loanwords.
	"vi": {"email", "camera"},
	// Albanian: its own words ("time" is "my", "data" a date, "turn" a shift)
	// and loanwords it writes the same way.
	"sq": {"min", "tablet", "internet", "email", "social", "private", "person", "turn", "time", "data"},
}

// allowedKeys are messages that are names in every language.
var allowedKeys = map[string]bool{
	"app.name":        true,
	"server.app_name": true,
	"push.title":      true,
}
