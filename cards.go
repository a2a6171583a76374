package heard

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Feeling cards let a young person say how they feel without talking. This file
// holds the catalogue, the rules that decide how urgent a card is, what the
// automatic reply says (as facts; the words are in i18n), and who may see and
// acknowledge a card.

// Card groups colour the young person's picture of their cards over time.
const (
	CardGroupGood   = "good"   // happy, calm, proud
	CardGroupOkay   = "okay"   // okay, tired
	CardGroupHard   = "hard"   // sad, lonely, worried, scared, angry, confused
	CardGroupAsk    = "ask"    // asking for a person: talk, sit with me
	CardGroupUrgent = "urgent" // not safe, unhappy where I live, might hurt myself
)

// CardKind is one card of the catalogue. Its label is the i18n key "cards.card.<id>".
type CardKind struct {
	ID      string  `json:"id"`
	Urgency Urgency `json:"urgency"`
	Group   string  `json:"group"`
	// Art is the path of the card's picture in the app.
	Art string `json:"art"`
}

// The catalogue, in the order the grid shows it: good feelings first, the three
// urgent cards last, where they are easy to find but hard to tap by accident.
//
// Urgency, as SPEC.md says: urgent cards are "I don't feel safe", "I'm unhappy
// where I live" and "I might hurt myself"; they show crisis contacts at once and
// tell the key worker and the duty workers. Concerning cards go to the duty
// workers if nobody has acknowledged them after the area's limit (4 hours by
// default). We chose as concerning the feelings that say "I am alone with
// something" (lonely, scared) and the two cards that ask for a person now (want
// to talk, sit with me). Other feelings are ordinary, but see CardUrgency: a lot
// of a hard feeling, or asking to talk now, makes a card concerning.
var cardCatalogue = []CardKind{
	{ID: "happy", Urgency: UrgencyOrdinary, Group: CardGroupGood},
	{ID: "calm", Urgency: UrgencyOrdinary, Group: CardGroupGood},
	{ID: "proud", Urgency: UrgencyOrdinary, Group: CardGroupGood},
	{ID: "okay", Urgency: UrgencyOrdinary, Group: CardGroupOkay},
	{ID: "tired", Urgency: UrgencyOrdinary, Group: CardGroupOkay},
	{ID: "sad", Urgency: UrgencyOrdinary, Group: CardGroupHard},
	{ID: "lonely", Urgency: UrgencyConcerning, Group: CardGroupHard},
	{ID: "worried", Urgency: UrgencyOrdinary, Group: CardGroupHard},
	{ID: "scared", Urgency: UrgencyConcerning, Group: CardGroupHard},
	{ID: "angry", Urgency: UrgencyOrdinary, Group: CardGroupHard},
	{ID: "confused", Urgency: UrgencyOrdinary, Group: CardGroupHard},
	{ID: "want_to_talk", Urgency: UrgencyConcerning, Group: CardGroupAsk},
	{ID: "sit_with_me", Urgency: UrgencyConcerning, Group: CardGroupAsk},
	{ID: "not_safe", Urgency: UrgencyUrgent, Group: CardGroupUrgent},
	{ID: "unhappy_where_i_live", Urgency: UrgencyUrgent, Group: CardGroupUrgent},
	{ID: "might_hurt_myself", Urgency: UrgencyUrgent, Group: CardGroupUrgent},
}

func init() {
	for i := range cardCatalogue {
		cardCatalogue[i].Art = "/cards/" + cardCatalogue[i].ID + ".svg"
	}
}

// CardCatalogue returns the cards in display order.
func CardCatalogue() []CardKind { return append([]CardKind(nil), cardCatalogue...) }

// CardKindByID finds a card of the catalogue.
func CardKindByID(id string) (CardKind, bool) {
	for _, k := range cardCatalogue {
		if k.ID == id {
			return k, true
		}
	}
	return CardKind{}, false
}

// CardAmount is how much the young person feels it (optional).
type CardAmount string

const (
	AmountALittle CardAmount = "a_little"
	AmountQuite   CardAmount = "quite"
	AmountALot    CardAmount = "a_lot"
)

// CardAmounts lists the amounts in display order.
var CardAmounts = []CardAmount{AmountALittle, AmountQuite, AmountALot}

// CardHelp is what would help (optional).
type CardHelp string

const (
	HelpTalkNow     CardHelp = "talk_now"
	HelpTalkLater   CardHelp = "talk_later"
	HelpSitWithMe   CardHelp = "sit_with_me"
	HelpLeaveMeBe   CardHelp = "leave_me_be"
	HelpJustLetting CardHelp = "just_letting_you_know"
)

// Limits of the free text on a card and in a reply, in characters.
const (
	CardNoteMaxChars  = 280
	CardReplyMaxChars = 500
)

// CardHelps lists what would help, in display order.
var CardHelps = []CardHelp{HelpTalkNow, HelpTalkLater, HelpSitWithMe, HelpLeaveMeBe, HelpJustLetting}

func validAmount(a CardAmount) bool {
	for _, v := range CardAmounts {
		if a == v {
			return true
		}
	}
	return false
}

func validHelp(h CardHelp) bool {
	for _, v := range CardHelps {
		if h == v {
			return true
		}
	}
	return false
}

// CardUrgency is how urgent a card is: the catalogue's urgency, raised to
// concerning when the young person feels a hard feeling "a lot" or asks to talk
// now or to have someone sit with them, because then an adult should respond the
// same day even if their key worker is away.
func CardUrgency(k CardKind, amount CardAmount, help CardHelp) Urgency {
	if k.Urgency == UrgencyUrgent {
		return UrgencyUrgent
	}
	if k.Urgency == UrgencyConcerning {
		return UrgencyConcerning
	}
	if k.Group == CardGroupHard && amount == AmountALot || help == HelpTalkNow || help == HelpSitWithMe {
		return UrgencyConcerning
	}
	return UrgencyOrdinary
}

// CardReply is what the adult who acknowledged a card said back: a quick reply
// from the translated list, or their own words.
type CardReply struct {
	QuickReplyID string `bson:"quickReplyId,omitempty" json:"quickReplyId,omitempty"`
	// At is the time named by a quick reply that needs one ("Let's talk at 16:30"), HH:MM.
	At string `bson:"at,omitempty" json:"at,omitempty"`
	// Text is the adult's own words, shown as written.
	Text string `bson:"text,omitempty" json:"text,omitempty"`
}

// QuickReply is one reply an adult can send with one tap. Its words are the i18n
// key "cards.quick.<id>" (with {time} when NeedsTime).
type QuickReply struct {
	ID        string `json:"id"`
	NeedsTime bool   `json:"needsTime"`
}

var quickReplies = []QuickReply{
	{ID: "coming_to_sit"},
	{ID: "talk_at", NeedsTime: true},
	{ID: "thank_you"},
	{ID: "glad_you_told_me"},
	{ID: "here_for_you"},
	{ID: "call_you_soon"},
}

// QuickReplies lists the quick replies in display order.
func QuickReplies() []QuickReply { return append([]QuickReply(nil), quickReplies...) }

// QuickReplyByID finds a quick reply.
func QuickReplyByID(id string) (QuickReply, bool) {
	for _, q := range quickReplies {
		if q.ID == id {
			return q, true
		}
	}
	return QuickReply{}, false
}

// AutoReply holds the facts of the automatic reply a young person gets when their
// key worker is not working: who will see the card and when. The PWA turns the
// facts into words in the young person's language.
type AutoReply struct {
	// NoWorker: the young person has no key worker at the moment.
	NoWorker bool `bson:"noWorker,omitempty" json:"noWorker,omitempty"`
	// WorkerName is the key worker's first name.
	WorkerName string `bson:"workerName,omitempty" json:"workerName,omitempty"`
	// NextAt is when the key worker next starts work (nil when they have no hours set).
	NextAt *time.Time `bson:"nextAt,omitempty" json:"nextAt,omitempty"`
	// TimeZone is the area's zone, so NextAt is shown in local time.
	TimeZone string `bson:"timeZone" json:"timeZone"`
	// DutyToldNow: the card is urgent, so the duty workers were told at once.
	DutyToldNow bool `bson:"dutyToldNow,omitempty" json:"dutyToldNow,omitempty"`
	// DutyAt: the card is concerning and, if nobody has seen it by then, the duty
	// workers will be told. Set only when that is before the key worker is back.
	DutyAt *time.Time `bson:"dutyAt,omitempty" json:"dutyAt,omitempty"`
}

// CardAutoReply decides whether a card sent at now needs an automatic reply.
// keyWorker is nil when the young person has none (or theirs is switched off).
// It returns nil while the key worker is working.
func CardAutoReply(keyWorker *Staff, area Area, urgency Urgency, now time.Time) *AutoReply {
	loc := CardLocation(area.TimeZone)
	r := &AutoReply{TimeZone: loc.String(), DutyToldNow: urgency == UrgencyUrgent}
	if keyWorker == nil {
		r.NoWorker = true
		return r
	}
	local := now.In(loc)
	if Working(keyWorker.Hours, local) {
		return nil
	}
	r.WorkerName = keyWorker.FirstName()
	if next, ok := NextWorking(keyWorker.Hours, local); ok {
		next = next.UTC()
		r.NextAt = &next
	}
	limit := area.Escalation.ConcerningAfter
	if urgency == UrgencyConcerning && limit > 0 {
		at := now.Add(limit).UTC()
		if r.NextAt == nil || at.Before(*r.NextAt) {
			r.DutyAt = &at
		}
	}
	return r
}

// CardLocation is an area's time zone, Europe/London when unset or unknown.
func CardLocation(tz string) *time.Location {
	if tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	if loc, err := time.LoadLocation("Europe/London"); err == nil {
		return loc
	}
	return time.UTC
}

// CardDay is the day (YYYY-MM-DD) of t in the area's zone: the day KPI counters use.
func CardDay(tz string, t time.Time) string { return t.In(CardLocation(tz)).Format(time.DateOnly) }

// Card is one feeling card a young person sent.
type Card struct {
	// ID is made by the phone (UUIDv4), so sending the same card again is recognised.
	ID            string     `bson:"_id" json:"id"`
	AreaID        string     `bson:"area" json:"-"`
	YoungPersonID string     `bson:"youngPersonId" json:"youngPersonId"`
	TeamID        string     `bson:"teamId,omitempty" json:"-"`
	Service       Service    `bson:"service" json:"-"`
	PlacementType string     `bson:"placementType" json:"-"`
	CardID        string     `bson:"card" json:"card"`
	Amount        CardAmount `bson:"amount,omitempty" json:"amount,omitempty"`
	Help          CardHelp   `bson:"help,omitempty" json:"help,omitempty"`
	Note          string     `bson:"note,omitempty" json:"note,omitempty"`
	Urgency       Urgency    `bson:"urgency" json:"urgency"`
	// SentAt is when the phone says the card was made (it may have waited offline);
	// nil when the phone's clock gave an impossible time.
	SentAt *time.Time `bson:"sentAt,omitempty" json:"sentAt,omitempty"`
	// ReceivedAt is when Heard received it; times to acknowledge count from here.
	ReceivedAt time.Time `bson:"receivedAt" json:"receivedAt"`
	// Day is ReceivedAt's day in the area's zone, for the KPI counters.
	Day string `bson:"day" json:"-"`
	// KeyWorkerID is the young person's key worker when the card arrived.
	KeyWorkerID string     `bson:"keyWorkerId,omitempty" json:"-"`
	AutoReply   *AutoReply `bson:"autoReply,omitempty" json:"autoReply,omitempty"`
	AckAt       *time.Time `bson:"ackAt" json:"ackAt,omitempty"`
	AckBy       string     `bson:"ackBy,omitempty" json:"-"`
	// AckByName is the first name of who acknowledged: what the young person is shown.
	AckByName string     `bson:"ackByName,omitempty" json:"ackByName,omitempty"`
	AckByRole Role       `bson:"ackByRole,omitempty" json:"-"`
	Reply     *CardReply `bson:"reply,omitempty" json:"reply,omitempty"`
	// Messages are the conversation after the card (cardmessages.go), oldest first.
	Messages []CardMessage `bson:"messages,omitempty" json:"messages,omitempty"`
	// LookedAt is when the young person last looked at what is new on the card.
	LookedAt *time.Time `bson:"lookedAt,omitempty" json:"lookedAt,omitempty"`
	// CrisisShown are the help numbers the young person was shown with an
	// urgent card, as they were then: the adult responding sees the same.
	CrisisShown []CrisisContact `bson:"crisisShown,omitempty" json:"-"`
}

// CardState is what the young person sees of a card on the server. ("Waiting
// to send" exists only on the phone.)
func (c Card) State() string {
	if c.AckAt != nil {
		return "seen"
	}
	return "sent"
}

// NewCard is what a phone sends.
type NewCard struct {
	ID     string
	CardID string
	Amount CardAmount
	Help   CardHelp
	Note   string
	SentAt *time.Time
}

// Validate checks a new card and returns the problem with each bad field. It
// trims the note. A phone's clock can be wrong, so SentAt never fails a card
// (which would lose it): an impossible one is dropped instead (see CardSentAt).
func (n *NewCard) Validate() map[string]string {
	errs := map[string]string{}
	if !ValidID(n.ID) {
		errs["id"] = "id_format"
	}
	if n.CardID == "" {
		errs["card"] = "required"
	} else if _, ok := CardKindByID(n.CardID); !ok {
		errs["card"] = "unknown"
	}
	if n.Amount != "" && !validAmount(n.Amount) {
		errs["amount"] = "one_of"
	}
	if n.Help != "" && !validHelp(n.Help) {
		errs["help"] = "one_of"
	}
	n.Note = strings.TrimSpace(n.Note)
	if problem := checkCardText(n.Note, CardNoteMaxChars); problem != "" {
		errs["note"] = problem
	}
	return errs
}

// checkCardText checks free text: at most max characters, and no control
// characters other than new lines (which could hide or garble words on a screen).
func checkCardText(s string, max int) string {
	if len([]rune(s)) > max {
		return "too_long"
	}
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if unicode.IsControl(r) || r == '\uFFFD' {
			return "invalid_characters"
		}
	}
	return ""
}

// CardSentAt keeps the phone's time when it is possible: not after the card
// arrived (a clock running fast is trimmed to the arrival time) and not more
// than a year before.
func CardSentAt(sent *time.Time, received time.Time) *time.Time {
	if sent == nil {
		return nil
	}
	t := sent.UTC()
	if t.Before(received.AddDate(-1, 0, 0)) {
		return nil
	}
	if t.After(received) {
		t = received
	}
	return &t
}

// CardAck is what an adult sends to acknowledge a card.
type CardAck struct {
	QuickReply string
	At         string
	Reply      string
}

// Validate checks an acknowledgement: a quick reply, own words, both (both are
// kept) or neither; a time (HH:MM) exactly when the quick reply needs one. It
// trims the words.
func (a *CardAck) Validate() map[string]string {
	errs := map[string]string{}
	a.Reply = strings.TrimSpace(a.Reply)
	if problem := checkCardText(a.Reply, CardReplyMaxChars); problem != "" {
		errs["reply"] = problem
	}
	needsTime := false
	if a.QuickReply != "" {
		q, ok := QuickReplyByID(a.QuickReply)
		if !ok {
			errs["quickReply"] = "unknown"
		}
		needsTime = q.NeedsTime
	}
	switch {
	case needsTime && a.At == "":
		errs["at"] = "required"
	case needsTime && !validClock(a.At):
		errs["at"] = "time_format"
	case !needsTime && a.At != "":
		errs["at"] = "not_allowed"
	}
	return errs
}

// CardReply returns the reply to store, or nil when the adult only acknowledged.
func (a CardAck) CardReply() *CardReply {
	if a.QuickReply == "" && a.Reply == "" {
		return nil
	}
	return &CardReply{QuickReplyID: a.QuickReply, At: a.At, Text: a.Reply}
}

func validClock(s string) bool {
	t, err := time.Parse("15:04", s)
	return err == nil && t.Format("15:04") == s
}

// CardAccess reports whether a principal may read a card, and acknowledge it.
// Areas never cross. A young person reads their own cards. A key worker reads
// and acknowledges the cards of the young people on their caseload now. Duty
// workers and team managers see only cards whose alert was escalated to them.
// Nobody else (administrators, placements, commissioners) reads a card.
func CardAccess(p Principal, c Card, currentKeyWorker, escalatedToMe bool) (read, acknowledge bool) {
	if p.AreaID == "" || p.AreaID != c.AreaID {
		return false, false
	}
	switch p.Role {
	case RoleYoungPerson:
		return p.ID == c.YoungPersonID, false
	case RoleKeyWorker:
		return currentKeyWorker, currentKeyWorker
	case RoleDutyWorker, RoleTeamManager:
		return escalatedToMe, escalatedToMe
	}
	return false, false
}

// SortInbox puts a worker's cards in inbox order: cards not yet acknowledged
// first, urgent ones on top of them; then newest first.
func SortInbox(cards []Card) {
	sortInbox(cards, func(c Card) InboxEntry {
		return InboxEntry{ID: c.ID, Urgency: c.Urgency, ReceivedAt: c.ReceivedAt, Acknowledged: c.AckAt != nil}
	})
}

// InboxEntry is what an inbox needs of a card to put it in order and count it.
type InboxEntry struct {
	ID            string
	YoungPersonID string
	Urgency       Urgency
	ReceivedAt    time.Time
	Acknowledged  bool
}

// SortInboxEntries puts entries in inbox order, as SortInbox does cards.
func SortInboxEntries(es []InboxEntry) { sortInbox(es, func(e InboxEntry) InboxEntry { return e }) }

func sortInbox[T any](xs []T, entry func(T) InboxEntry) {
	rank := func(e InboxEntry) int {
		switch {
		case !e.Acknowledged && e.Urgency == UrgencyUrgent:
			return 0
		case !e.Acknowledged:
			return 1
		}
		return 2
	}
	sort.SliceStable(xs, func(i, j int) bool {
		a, b := entry(xs[i]), entry(xs[j])
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.After(b.ReceivedAt)
		}
		return a.ID < b.ID
	})
}

// CardInboxPage is how many cards one page of an inbox holds. The first page
// holds what needs looking at first, and a page reads only its own cards, so
// an inbox costs the same however many cards wait in it.
const CardInboxPage = 50

// InboxCounts counts what nobody has acknowledged among an inbox's entries.
func InboxCounts(es []InboxEntry) (unacknowledged, urgent int, byYoungPerson map[string]int) {
	byYoungPerson = map[string]int{}
	for _, e := range es {
		if e.Acknowledged {
			continue
		}
		unacknowledged++
		byYoungPerson[e.YoungPersonID]++
		if e.Urgency == UrgencyUrgent {
			urgent++
		}
	}
	return unacknowledged, urgent, byYoungPerson
}

// InboxPageOf is page (from 0) of entries in inbox order, and whether
// another page follows.
func InboxPageOf(es []InboxEntry, page int) ([]InboxEntry, bool) {
	from := page * CardInboxPage
	if page < 0 || from >= len(es) {
		return nil, false
	}
	to := min(from+CardInboxPage, len(es))
	return es[from:to], to < len(es)
}

// CardAckBuckets are the upper bounds, in seconds, of the time-to-acknowledge
// histogram kept as KPI counters; anything longer counts as "inf".
var CardAckBuckets = []int{60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 7200, 14400, 28800, 86400}

// CardAckBucket names the histogram bucket of a time to acknowledge.
func CardAckBucket(d time.Duration) string {
	for _, b := range CardAckBuckets {
		if d <= time.Duration(b)*time.Second {
			return strconv.Itoa(b)
		}
	}
	return "inf"
}

// PersonRef names a young person to staff: their id and the name they go by.
type PersonRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CardView is a card as its reader sees it. State is "sent" or "seen".
type CardView struct {
	Card
	State string `json:"state"`
	// YoungPerson is given to staff.
	YoungPerson *PersonRef `json:"youngPerson,omitempty"`
	// Alert is given to staff opening one card: what an adult woken at 2 a.m.
	// needs to act.
	Alert *CardAlert `json:"alert,omitempty"`
}

// CardAlert is what an adult needs about a card to act on it: who the young
// person's key worker is and where they live now, who has been told and when,
// what happens next if nobody acknowledges it, and the help numbers the young
// person was shown.
type CardAlert struct {
	KeyWorker *PersonRef `json:"keyWorker,omitempty"`
	// LivesAt is the name of the placement the young person lives at now ("" when none is recorded).
	LivesAt string `json:"livesAt,omitempty"`
	// Told is each escalation step taken, in order.
	Told []CardAlertStep `json:"told"`
	// NextStep ("duty" or "manager") and NextAt say where the card goes, and
	// when, if nobody acknowledges it first.
	NextStep    string          `json:"nextStep,omitempty"`
	NextAt      *time.Time      `json:"nextAt,omitempty"`
	CrisisShown []CrisisContact `json:"crisisShown,omitempty"`
}

// CardAlertStep is one step of an alert: who was told, and when.
type CardAlertStep struct {
	Step   string        `json:"step"`
	At     time.Time     `json:"at"`
	People []StaffPerson `json:"people"`
}

// StaffPerson names a member of staff and their role.
type StaffPerson struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// NewCardView shows a card to its reader.
func NewCardView(c Card, who *PersonRef) CardView {
	c.Note = ShownWords(c.Note)
	return CardView{Card: c, State: c.State(), YoungPerson: who}
}

// CardInbox is what a worker has to look at, in inbox order, with counts of
// what nobody has acknowledged yet (urgent ones separately, and per young person).
type CardInbox struct {
	Items                []CardView     `json:"items"`
	Unacknowledged       int            `json:"unacknowledged"`
	UrgentUnacknowledged int            `json:"urgentUnacknowledged"`
	ByYoungPerson        map[string]int `json:"unacknowledgedByYoungPerson"`
	// More says another page follows (CardInboxPage cards a page).
	More bool `json:"more"`
}

// CardHistoryDay counts one day's cards by card.
type CardHistoryDay struct {
	Day    string         `json:"day"`
	Counts map[string]int `json:"counts"`
}

// CardHistory is a young person's cards per day, for their picture of cards over time.
type CardHistory struct {
	From     string           `json:"from"`
	To       string           `json:"to"`
	TimeZone string           `json:"timeZone"`
	Total    int              `json:"total"`
	Days     []CardHistoryDay `json:"days"`
}

// CardHistoryDays bounds how far back the picture of cards goes.
const (
	CardHistoryMinDays     = 7
	CardHistoryMaxDays     = 91
	CardHistoryDefaultDays = 28
)

// CardService is every action on feeling cards, one method per thing a person does.
type CardService interface {
	// SendCard stores a young person's card under the phone's id and alerts the
	// adults who should see it. Sending the same id again finishes anything an
	// earlier attempt left undone and returns the stored card with created false.
	SendCard(ctx context.Context, p Principal, n NewCard) (v CardView, created bool, err error)
	// MyCards lists a young person's own cards, newest first.
	MyCards(ctx context.Context, p Principal) ([]CardView, error)
	// CardHistory counts a young person's cards per day over the last days.
	CardHistory(ctx context.Context, p Principal, days int) (CardHistory, error)
	// CardInbox lists one page (from 0) of the cards a worker may look at,
	// in inbox order, with the counts of the whole inbox.
	CardInbox(ctx context.Context, p Principal, page int) (CardInbox, error)
	// Card shows one card to a reader allowed to see it (staff reads are audit-logged).
	Card(ctx context.Context, p Principal, id string) (CardView, error)
	// AcknowledgeCard keeps the first acknowledgement of a card and tells the
	// young person. The same adult again is a retry; anyone else gets a conflict.
	AcknowledgeCard(ctx context.Context, p Principal, id string, ack CardAck) (CardView, error)
	// CompleteCard finishes whatever a send or acknowledgement of the card left
	// undone (its lists, alert, counters, reply notice); the background worker
	// calls it for work a failed request left behind.
	CompleteCard(ctx context.Context, areaID, cardID string) error
}
