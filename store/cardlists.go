package store

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// How a list of cards is stored. A young person's list keeps every card not
// yet acknowledged, so one who sends many cards in a row makes it long, and
// it is written at each card they send. Kept as an array of small documents,
// the embedded server decoded and encoded every entry at each write (at a
// thousand entries, a third of the CPU of card sends measured back to back
// by one young person), and MongoDB stores the field names once per entry.
// So the entries are kept as one string, a line each: id, the time received
// in Unix milliseconds, urgency, and "a" when acknowledged, separated by
// spaces. Card ids are UUIDs and urgencies single words, so neither holds a
// space or a line break. A list written before, with an "entries" array, is
// read as it is and written the new way at its next change.
//
// A young person's page names (cardpages.go) are one string too, separated by
// spaces: as an array, the embedded server stored a type for each name and
// decoded every one at each write, so a list with hundreds of pages (one young
// person sending thousands of cards nobody acknowledged) made each card sent
// slower than the last. A list with a "pages" array is read as it is.

// noUrgency stands for an entry without one, so that every line has its fields.
const noUrgency = "-"

// storedCardList is a cardList as the database holds it.
type storedCardList struct {
	ID          string      `bson:"_id"`
	AreaID      string      `bson:"area"`
	Packed      string      `bson:"cards"`
	Entries     []cardEntry `bson:"entries,omitempty"` // lists written before the packed form
	PageNames   string      `bson:"pageNames,omitempty"`
	Pages       []string    `bson:"pages,omitempty"`       // lists written before the packed names
	SpilledUpTo int64       `bson:"spilledUpTo,omitempty"` // Unix milliseconds
	List        string      `bson:"list,omitempty"`
}

// MarshalBSON writes the list with its entries packed.
func (l cardList) MarshalBSON() ([]byte, error) {
	var b strings.Builder
	b.Grow(len(l.Entries) * 64)
	for _, e := range l.Entries {
		b.WriteString(e.ID)
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(e.ReceivedAt.UnixMilli(), 10))
		b.WriteByte(' ')
		b.WriteString(cmp.Or(string(e.Urgency), noUrgency))
		if e.Acked {
			b.WriteString(" a")
		}
		b.WriteByte('\n')
	}
	d := storedCardList{ID: l.ID, AreaID: l.AreaID, Packed: b.String(), PageNames: strings.Join(l.Pages, " "), List: l.List}
	if !l.SpilledUpTo.IsZero() {
		d.SpilledUpTo = l.SpilledUpTo.UnixMilli()
	}
	return bson.Marshal(d)
}

// UnmarshalBSON reads a list in either form.
func (l *cardList) UnmarshalBSON(raw []byte) error {
	var d storedCardList
	if err := bson.Unmarshal(raw, &d); err != nil {
		return err
	}
	*l = cardList{ID: d.ID, AreaID: d.AreaID, Entries: d.Entries, Pages: d.Pages, List: d.List}
	if d.PageNames != "" {
		l.Pages = strings.Fields(d.PageNames)
	}
	if d.SpilledUpTo != 0 {
		l.SpilledUpTo = time.UnixMilli(d.SpilledUpTo).UTC()
	}
	if d.Packed == "" {
		return nil
	}
	l.Entries = make([]cardEntry, 0, strings.Count(d.Packed, "\n"))
	for line := range strings.Lines(d.Packed) {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return fmt.Errorf("card list %s: entry %q", d.ID, line)
		}
		ms, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return fmt.Errorf("card list %s: entry %q: %w", d.ID, line, err)
		}
		urgency := heard.Urgency(fields[2])
		if fields[2] == noUrgency {
			urgency = ""
		}
		l.Entries = append(l.Entries, cardEntry{ID: fields[0], ReceivedAt: time.UnixMilli(ms).UTC(),
			Urgency: urgency, Acked: len(fields) > 3 && fields[3] == "a"})
	}
	return nil
}
