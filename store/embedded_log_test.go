package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// formatCounter counts how often a value is formatted for the log.
type formatCounter struct{ n *int }

func (f formatCounter) LogValue() slog.Value {
	*f.n++
	return slog.StringValue("formatted")
}

func TestEmbeddedLogFormatsOnlyWhatItWrites(t *testing.T) {
	var out bytes.Buffer
	formatted := 0
	log := slog.New(unformattedAttrs{next: slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelError})})

	// What FerretDB does before each statement: attach the arguments, log at debug.
	for range 3 {
		log.With(slog.Any("args", formatCounter{&formatted})).Debug(">>> INSERT")
	}
	if formatted != 0 || out.Len() != 0 {
		t.Fatalf("debug records formatted their arguments %d times and wrote %q", formatted, out.String())
	}

	log.With("db", "heard").WithGroup("sql").With(slog.Any("args", formatCounter{&formatted})).Error("failed", "code", 5)
	want := `"db":"heard","sql":{"args":"formatted","code":5}`
	if got := out.String(); !strings.Contains(got, want) || !strings.Contains(got, `"msg":"failed"`) || formatted != 1 {
		t.Fatalf("error record = %s (formatted %d times), want it to contain %s", got, formatted, want)
	}
}
