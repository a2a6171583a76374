package heard

import (
	"context"
	"time"
)

// A young person's own data: everything Heard holds about them, to read, print
// and keep. Anonymous answers are not among it: nothing stored links them to
// the young person (StoredAnswerID), so Heard cannot find them; the phone adds
// what it still holds itself.

// MyData is what a young person downloads.
type MyData struct {
	MadeAt     time.Time          `json:"madeAt"`
	Me         MyDetails          `json:"me"`
	KeyWorkers []MyKeyWorker      `json:"keyWorkers"`
	Cards      []CardView         `json:"cards"`
	Answers    []SharedAnswerView `json:"answers"`
	Moves      []MyMove           `json:"moves"`
	Phones     []DeviceView       `json:"phones"`
}

// MyDetails is the young person's record.
type MyDetails struct {
	FirstName     string    `json:"firstName"`
	PreferredName string    `json:"preferredName,omitempty"`
	Language      string    `json:"language"`
	Area          string    `json:"area"`
	Team          string    `json:"team,omitempty"`
	Service       Service   `json:"service"`
	Since         time.Time `json:"since"`
}

// MyKeyWorker is one of the young person's key workers, by first name, and when.
type MyKeyWorker struct {
	Name  string     `json:"name"`
	From  time.Time  `json:"from"`
	Until *time.Time `json:"until,omitempty"`
}

// MyMove is a move shared with the young person: where, when, and how far it has got.
type MyMove struct {
	Placement     string        `json:"placement"`
	PlacementType PlacementType `json:"placementType"`
	Date          time.Time     `json:"date"`
	Status        MoveStatus    `json:"status"`
	SharedAt      *time.Time    `json:"sharedAt,omitempty"`
	// Questions are what the young person asked the placement, with its answers.
	Questions []Question `json:"questions"`
}

// MyDataService is a young person's download of their own data.
type MyDataService interface {
	// MyData gathers everything Heard holds about the signed-in young person
	// and writes the download to the audit log.
	MyData(ctx context.Context, p Principal) (MyData, error)
}
