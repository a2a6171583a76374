package notify

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"heard"
	"heard/i18n"
	"heard/store"
)

// Payload is what the service worker receives. Title and Body are shown on a
// lock screen, so they come only from the catalogue by notification type: never
// a name, never what a young person said or how they feel. Details are read
// inside the app, after signing in, at URL.
type Payload struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Lang  string `json:"lang"`
	Dir   string `json:"dir"`
}

// maxPlaintext is the most webpush-go can encrypt into one record.
const maxPlaintext = 3993

// Wording is the lock-screen title and body for a notification type in a
// language (English when the language has no catalogue), with the language's
// code and writing direction.
func Wording(lang, typ string, urgency heard.Urgency) Payload {
	l, cat, ok := i18n.Lookup(lang)
	if !ok {
		l, cat, _ = i18n.Lookup(i18n.Default)
	}
	has := func(key string) bool { _, ok := cat[key]; return ok }
	title := "push.title"
	switch {
	case has("push." + typ + ".title"):
		title = "push." + typ + ".title"
	case urgency == heard.UrgencyUrgent:
		title = "push.title_urgent"
	}
	body := "push.default.body"
	if has("push." + typ + ".body") {
		body = "push." + typ + ".body"
	}
	return Payload{Type: typ, Title: i18n.T(l.Code, title), Body: i18n.T(l.Code, body), Lang: l.Code, Dir: l.Dir}
}

// payloadFor builds the JSON sent for one delivery.
func payloadFor(d store.PushDelivery) ([]byte, error) {
	p := Wording(d.Lang, d.Type, d.Urgency)
	p.ID, p.URL = d.NotificationID, d.Link
	return json.Marshal(p)
}

// topicFor names what a message is about, so a push service holding an
// undelivered message replaces it with a newer one on the same subject (two
// replies about one card arrive as one). It is a hash, never an id in clear:
// at most 32 URL-safe base64 characters, as the Topic header allows.
func topicFor(d store.PushDelivery) string {
	subject := d.SubjectID
	if subject == "" {
		subject = d.NotificationID
	}
	sum := sha256.Sum256([]byte(d.Type + "/" + subject))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// webPushUrgency is the Urgency header: urgent items wake a phone even on low battery.
func webPushUrgency(u heard.Urgency) string {
	if u == heard.UrgencyUrgent {
		return "high"
	}
	return "normal"
}
