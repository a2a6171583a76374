package store

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"heard"
)

// A list of cards comes back from its packed form as it was written: order,
// times to the millisecond, urgency (or none) and acknowledgement.
func TestCardListPackedRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 30, 0, 123e6, time.UTC)
	l := cardList{ID: "yp/a/y", AreaID: "a", Entries: []cardEntry{
		{ID: heard.NewID(), ReceivedAt: at.Add(time.Minute), Urgency: heard.UrgencyUrgent},
		{ID: heard.NewID(), ReceivedAt: at, Urgency: heard.UrgencyOrdinary, Acked: true},
		{ID: heard.NewID(), ReceivedAt: at.Add(-time.Hour)},
	}, Pages: []string{"ABCDEFGH", "23456723"}, SpilledUpTo: at.Add(-2 * time.Hour)}
	raw, err := bson.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, array := range []string{"entries", "pages"} {
		if _, err := bson.Raw(raw).LookupErr(array); err == nil {
			t.Fatalf("written with a %s array", array)
		}
	}
	var back cardList
	if err := bson.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, l) {
		t.Fatalf("read back %+v, want %+v", back, l)
	}
	var empty cardList
	raw, _ = bson.Marshal(cardList{ID: "yp/a/z", AreaID: "a"})
	if err := bson.Unmarshal(raw, &empty); err != nil || len(empty.Entries) != 0 || empty.ID != "yp/a/z" {
		t.Fatalf("empty list: %+v %v", empty, err)
	}
}

// A list written before the packed form (an array of entries) is read as it
// is; a damaged line is an error, never a list with a card left out.
func TestCardListWrittenBeforeIsRead(t *testing.T) {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	id := heard.NewID()
	raw, _ := bson.Marshal(bson.D{{Key: "_id", Value: "yp/a/y"}, {Key: "area", Value: "a"}, {Key: "_rev", Value: int64(3)},
		{Key: "entries", Value: bson.A{bson.D{{Key: "id", Value: id}, {Key: "at", Value: at}, {Key: "urgency", Value: "concerning"}, {Key: "acked", Value: true}}}}})
	var l cardList
	if err := bson.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	want := []cardEntry{{ID: id, ReceivedAt: at, Urgency: heard.UrgencyConcerning, Acked: true}}
	if !reflect.DeepEqual(l.Entries, want) || l.AreaID != "a" {
		t.Fatalf("read %+v", l)
	}
	raw, _ = bson.Marshal(bson.D{{Key: "_id", Value: "yp/a/y"}, {Key: "area", Value: "a"}, {Key: "cards", Value: ""},
		{Key: "pages", Value: bson.A{"ABCDEFGH", "23456723"}}})
	if err := bson.Unmarshal(raw, &l); err != nil || !reflect.DeepEqual(l.Pages, []string{"ABCDEFGH", "23456723"}) {
		t.Fatalf("read %+v", l)
	}
	raw, _ = bson.Marshal(bson.D{{Key: "_id", Value: "yp/a/y"}, {Key: "area", Value: "a"}, {Key: "cards", Value: id + " soon ordinary\n"}})
	if err := bson.Unmarshal(raw, &l); err == nil {
		t.Fatal("a damaged entry was read")
	}
}
