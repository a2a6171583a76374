package store

import (
	"context"
	"log/slog"
)

// unformattedAttrs is the embedded server's log handler. Before every SQL
// statement and after it, FerretDB calls Logger.With with the statement's
// arguments (whole documents) and only then logs at debug level, which Heard
// never writes. slog's JSON and text handlers format attributes as soon as
// With is called, so each statement encoded its documents to JSON once more
// for nothing: about 3 % of Heard's CPU under card sends. This handler keeps
// those attributes as they are and formats them only for a record that is
// written.
type unformattedAttrs struct {
	next slog.Handler
	// steps are the With and WithGroup calls since next, in order.
	steps []attrsStep
}

// attrsStep is one With (attrs) or WithGroup (group) call.
type attrsStep struct {
	attrs []slog.Attr
	group string
}

func (h unformattedAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h unformattedAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(attrsStep{attrs: attrs})
}

func (h unformattedAttrs) WithGroup(name string) slog.Handler {
	return h.with(attrsStep{group: name})
}

func (h unformattedAttrs) with(step attrsStep) unformattedAttrs {
	steps := make([]attrsStep, len(h.steps), len(h.steps)+1)
	copy(steps, h.steps)
	return unformattedAttrs{next: h.next, steps: append(steps, step)}
}

func (h unformattedAttrs) Handle(ctx context.Context, r slog.Record) error {
	next := h.next
	for _, step := range h.steps {
		if step.group != "" {
			next = next.WithGroup(step.group)
		} else {
			next = next.WithAttrs(step.attrs)
		}
	}
	return next.Handle(ctx, r)
}
