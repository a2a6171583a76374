package store

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strconv"
	"time"

	"heard"
)

// The demo's placements have a full page and photos, and Jay has a move to
// Oak House shared with him, ten days ahead, so a newcomer sees "My new home"
// at once. The photos are flat pictures drawn here (no one's photograph, no
// licence to track), kept at the widths the app asks for.

// demoWidths are the demo photos' kept widths (as an upload would keep them).
var demoWidths = []int{320, 720}

type demoPhoto struct {
	kind    heard.PhotoKind
	caption string
	draw    func(img *image.RGBA)
}

func (s *Store) seedDemoPlacements(ctx context.Context, area heard.Area, oak, willow heard.Placement, jay heard.YoungPerson, keyWorker heard.Staff) error {
	now := s.now()
	pages := []struct {
		pl     heard.Placement
		text   heard.PlacementProfileText
		photos []demoPhoto
	}{
		{oak, heard.PlacementProfileText{
			Welcome: "Hello! We're really looking forward to meeting you. Oak House is a home for four young people, with staff here day and night. Your room is ready, and you can make it yours.",
			People: []heard.ProfilePerson{{Name: "Priya", About: "Manages the house. Loves cooking and bad jokes."},
				{Name: "Marcus", About: "Key worker. Plays football on Saturdays."},
				{Name: "Ellie", About: "Night staff. Good at board games."}},
			Pets:   "Biscuit, a very lazy ginger cat.",
			Day:    "Breakfast from 7. School or college in the day. Tea together at half five. Evenings are yours: TV, games, the park or your room.",
			Food:   "We cook together. Pizza night on Fridays. Tell us what you like and anything you don't or can't eat.",
			Rules:  "Home by 9 on school nights, 10 at weekends. Phones off the table at tea. Knock before going into someone's room.",
			Nearby: "A park two minutes away, a corner shop, the number 12 bus to town, and the secondary school is a ten-minute walk.",
		}, []demoPhoto{
			{heard.PhotoBedroom, "Your room, with a desk by the window", drawBedroom(color.RGBA{R: 196, G: 220, B: 236, A: 255})},
			{heard.PhotoHouse, "Oak House from the garden", drawHouse(color.RGBA{R: 178, G: 86, B: 58, A: 255})},
			{heard.PhotoGarden, "The garden, with room for football", drawGarden},
		}},
		{willow, heard.PlacementProfileText{
			Welcome: "Hi, we're Jo and Sam. We've been foster carers for six years and we'd love you to feel at home here.",
			People: []heard.ProfilePerson{{Name: "Jo", About: "Works from home. Loves films and long walks."},
				{Name: "Sam", About: "Nurse. Makes the best pancakes."}},
			Pets:   "Pepper, a friendly dog who likes everyone.",
			Day:    "Quiet mornings, school, then we eat together around six.",
			Food:   "Lots of home cooking. We'll ask what you like.",
			Rules:  "Let us know where you are. Be kind to each other.",
			Nearby: "Library, swimming pool and a bus stop at the end of the road.",
		}, []demoPhoto{
			{heard.PhotoBedroom, "Your room, with a big wardrobe", drawBedroom(color.RGBA{R: 226, G: 214, B: 240, A: 255})},
			{heard.PhotoHouse, "The house", drawHouse(color.RGBA{R: 236, G: 226, B: 200, A: 255})},
		}},
	}
	for i, pg := range pages {
		prof := heard.PlacementProfile{PlacementID: pg.pl.ID, AreaID: area.ID, PlacementProfileText: pg.text, Photos: []heard.Photo{},
			Booklet: demoBooklet(pg.pl.Name, i == 0), UpdatedAt: &now}
		if i == 0 { // Oak House also has its booklet as a PDF
			pdf := demoPDF(pg.pl.Name + " - welcome booklet")
			if err := s.PutBookletPDF(ctx, area.ID, pg.pl.ID, pdf); err != nil {
				return err
			}
			prof.PDF = &heard.BookletPDF{Bytes: len(pdf), AddedAt: now}
		}
		for _, dp := range pg.photos {
			ph := heard.Photo{ID: heard.NewID(), Kind: dp.kind, Caption: dp.caption, AddedAt: now}
			for _, w := range demoWidths {
				img := image.NewRGBA(image.Rect(0, 0, w, w*3/4))
				dp.draw(img)
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
					return err
				}
				if err := s.PutPhotoFile(ctx, area.ID, pg.pl.ID, ph.ID, w, buf.Bytes()); err != nil {
					return err
				}
				ph.Widths, ph.Width, ph.Height = append(ph.Widths, w), w, w*3/4
			}
			prof.Photos = append(prof.Photos, ph)
		}
		if _, err := s.ChangePlacementProfile(ctx, area.ID, pg.pl.ID, func(p *heard.PlacementProfile) (bool, error) {
			*p = prof
			return true, nil
		}); err != nil {
			return err
		}
	}
	shared := now
	move := heard.Move{ID: heard.NewID(), AreaID: area.ID, YoungPersonID: jay.ID, PlacementID: oak.ID,
		Date: area.Today(now).AddDate(0, 0, 10), Status: heard.MoveShared, CreatedBy: keyWorker.ID, CreatedAt: now.Add(-time.Hour), SharedAt: &shared,
		Day: &heard.MoveDay{TakenBy: "Sam, your key worker", LeaveAt: "10:00", Journey: "About 25 minutes by car", MetBy: "Priya and Marcus"}}
	return s.CreateMove(ctx, move)
}

// The pictures: flat shapes on a w×h canvas, scaled to its width.

func fill(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	for y := int(y0 * h); y < int(y1*h); y++ {
		for x := int(x0 * w); x < int(x1*w); x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func disc(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			dx, dy := float64(x)/w-cx, (float64(y)/h-cy)*h/w
			if dx*dx+dy*dy <= r*r {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// roof fills the triangle with its apex at (cx, top) and base from x0 to x1 at bottom.
func roof(img *image.RGBA, cx, top, x0, x1, bottom float64, c color.RGBA) {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	for y := int(top * h); y < int(bottom*h); y++ {
		t := (float64(y)/h - top) / (bottom - top)
		for x := int((cx - t*(cx-x0)) * w); x < int((cx+t*(x1-cx))*w); x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

func drawBedroom(wall color.RGBA) func(*image.RGBA) {
	return func(img *image.RGBA) {
		fill(img, 0, 0, 1, 0.72, wall)
		fill(img, 0, 0.72, 1, 1, color.RGBA{R: 168, G: 124, B: 88, A: 255})             // floor
		fill(img, 0.58, 0.12, 0.9, 0.46, color.RGBA{R: 250, G: 250, B: 250, A: 255})    // window frame
		fill(img, 0.6, 0.14, 0.88, 0.44, color.RGBA{R: 150, G: 200, B: 240, A: 255})    // sky
		fill(img, 0.735, 0.14, 0.745, 0.44, color.RGBA{R: 250, G: 250, B: 250, A: 255}) // window bar
		fill(img, 0.06, 0.52, 0.5, 0.8, color.RGBA{R: 70, G: 110, B: 160, A: 255})      // bed
		fill(img, 0.06, 0.44, 0.1, 0.86, color.RGBA{R: 120, G: 84, B: 60, A: 255})      // headboard
		fill(img, 0.11, 0.48, 0.24, 0.56, color.RGBA{R: 245, G: 245, B: 240, A: 255})   // pillow
		fill(img, 0.6, 0.52, 0.92, 0.56, color.RGBA{R: 140, G: 96, B: 64, A: 255})      // desk
		fill(img, 0.62, 0.56, 0.64, 0.8, color.RGBA{R: 140, G: 96, B: 64, A: 255})
		fill(img, 0.88, 0.56, 0.9, 0.8, color.RGBA{R: 140, G: 96, B: 64, A: 255})
		disc(img, 0.8, 0.47, 0.03, color.RGBA{R: 240, G: 190, B: 60, A: 255}) // lamp
	}
}

func drawHouse(walls color.RGBA) func(*image.RGBA) {
	return func(img *image.RGBA) {
		fill(img, 0, 0, 1, 0.75, color.RGBA{R: 160, G: 205, B: 240, A: 255})
		fill(img, 0, 0.75, 1, 1, color.RGBA{R: 96, G: 160, B: 80, A: 255})
		disc(img, 0.86, 0.14, 0.06, color.RGBA{R: 250, G: 210, B: 80, A: 255})
		fill(img, 0.22, 0.4, 0.78, 0.8, walls)
		roof(img, 0.5, 0.16, 0.18, 0.82, 0.4, color.RGBA{R: 90, G: 70, B: 70, A: 255})
		fill(img, 0.45, 0.58, 0.55, 0.8, color.RGBA{R: 60, G: 90, B: 130, A: 255}) // door
		for _, x := range []float64{0.28, 0.62} {
			fill(img, x, 0.47, x+0.1, 0.57, color.RGBA{R: 235, G: 240, B: 250, A: 255})
		}
	}
}

func drawGarden(img *image.RGBA) {
	fill(img, 0, 0, 1, 0.55, color.RGBA{R: 170, G: 212, B: 242, A: 255})
	fill(img, 0, 0.55, 1, 1, color.RGBA{R: 110, G: 176, B: 90, A: 255})
	for x := 0.0; x < 1; x += 0.06 {
		fill(img, x, 0.42, x+0.03, 0.6, color.RGBA{R: 200, G: 170, B: 120, A: 255}) // fence
	}
	fill(img, 0, 0.47, 1, 0.49, color.RGBA{R: 200, G: 170, B: 120, A: 255})
	fill(img, 0.16, 0.35, 0.2, 0.72, color.RGBA{R: 110, G: 80, B: 50, A: 255})
	disc(img, 0.18, 0.3, 0.12, color.RGBA{R: 60, G: 130, B: 60, A: 255})
	for i, x := range []float64{0.55, 0.62, 0.7, 0.78} {
		c := []color.RGBA{{R: 230, G: 80, B: 90, A: 255}, {R: 250, G: 200, B: 60, A: 255}, {R: 190, G: 110, B: 220, A: 255}, {R: 250, G: 140, B: 60, A: 255}}[i]
		disc(img, x, 0.82, 0.02, c)
	}
	disc(img, 0.4, 0.86, 0.03, color.RGBA{R: 250, G: 250, B: 250, A: 255}) // a football
}

// demoBooklet is a placement's welcome booklet: the standard pages in English
// and, for Oak House, in Arabic too.
func demoBooklet(name string, arabic bool) []heard.BookletPage {
	pages := []heard.BookletPage{
		{Kind: "what_to_expect", Lang: "en", Title: "What to expect", Body: "When you arrive, someone will show you around " + name + " and take you to your room. You can unpack in your own time. We'll eat together and talk about what you like and anything you're worried about."},
		{Kind: "your_rights", Lang: "en", Title: "Your rights", Body: "You have the right to be safe, to be listened to and to have your views taken seriously; to privacy; to see your family and friends when it is safe; and to go to school or college."},
		{Kind: "complaints", Lang: "en", Title: "How to complain", Body: "Tell any adult here, your key worker or your social worker. You can also complain to the council; we'll help, and you won't get into trouble for it."},
		{Kind: "advocate", Lang: "en", Title: "Getting an advocate", Body: "An advocate is on your side and helps you say what you want. They don't work for us. Ask your key worker, or contact Riverside Advocacy yourself."},
		{Kind: "who_to_call", Lang: "en", Title: "Who to call", Body: "In an emergency, call 999. To talk to someone, call Childline on 0800 1111 (free, any time) or text SHOUT to 85258."},
	}
	if arabic {
		pages = append(pages,
			heard.BookletPage{Kind: "what_to_expect", Lang: "ar", Title: "ماذا تتوقع", Body: "عندما تصل، سيريك أحدهم المكان ويأخذك إلى غرفتك. يمكنك ترتيب أغراضك على مهلك. سنأكل معًا ونتحدث عمّا تحب وأي شيء يقلقك."},
			heard.BookletPage{Kind: "your_rights", Lang: "ar", Title: "حقوقك", Body: "لك الحق في أن تكون آمنًا، وأن يُستمع إليك وتؤخذ آراؤك بجدية، وفي الخصوصية، وفي رؤية عائلتك وأصدقائك عندما يكون ذلك آمنًا."},
			heard.BookletPage{Kind: "who_to_call", Lang: "ar", Title: "بمن تتصل", Body: "في حالة الطوارئ، اتصل بـ 999. للتحدث مع أحد، اتصل بـ Childline على 0800 1111 (مجانًا، في أي وقت)."})
	}
	return pages
}

// demoPDF is a one-page PDF with a title, written by hand (no library, no licence).
func demoPDF(title string) []byte {
	content := "BT /F1 24 Tf 60 760 Td (" + title + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length " + strconv.Itoa(len(content)) + " >>\nstream\n" + content + "\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := []int{}
	for i, o := range objs {
		offsets = append(offsets, b.Len())
		b.WriteString(strconv.Itoa(i+1) + " 0 obj\n" + o + "\nendobj\n")
	}
	xref := b.Len()
	b.WriteString("xref\n0 " + strconv.Itoa(len(objs)+1) + "\n0000000000 65535 f \n")
	for _, off := range offsets {
		b.WriteString(fmt.Sprintf("%010d 00000 n \n", off))
	}
	b.WriteString("trailer\n<< /Size " + strconv.Itoa(len(objs)+1) + " /Root 1 0 R >>\nstartxref\n" + strconv.Itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}
