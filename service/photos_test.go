package service_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rwcarlsen/goexif/exif"

	"heard"
	"heard/testkit"
)

// placementWorld is peopleWorld with two placements, each with a member of
// staff: Oak's keeps the photos, Elm's is of another placement.
type placementWorld struct {
	*peopleWorld
	elm         heard.Placement
	oakStaff    heard.Principal
	elmStaff    heard.Principal
	youngPerson heard.Principal
}

func newPlacementWorld(t testing.TB) *placementWorld {
	w := &placementWorld{peopleWorld: newPeopleWorld(t)}
	w.elm = heard.Placement{ID: heard.NewID(), AreaID: w.area.ID, Name: "Elm", Type: heard.PlacementFoster, CreatedAt: w.clock.Now()}
	w.must(w.st.CreatePlacement(w.ctx, w.elm))
	member := func(name string, pl heard.Placement) heard.Principal {
		s := heard.Staff{ID: heard.NewID(), AreaID: w.area.ID, Name: name, Email: name + "@a.test", Role: heard.RolePlacementStaff,
			PlacementID: pl.ID, Language: "en", PasswordHash: "x", Hours: heard.DefaultHours(), CreatedAt: w.clock.Now()}
		w.must(w.st.CreateStaff(w.ctx, s))
		return w.principal(s)
	}
	w.oakStaff, w.elmStaff = member("priya", w.oak), member("chris", w.elm)
	w.youngPerson = heard.Principal{ID: w.yara.ID, AreaID: w.area.ID, Role: heard.RoleYoungPerson}
	return w
}

func (w *placementWorld) add(upload []byte, caption string) (heard.Photo, error) {
	return w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, heard.NewPhoto{ID: heard.NewID(), Kind: heard.PhotoBedroom, Caption: caption}, upload)
}

func (w *placementWorld) file(p heard.Principal, photoID string, width int) []byte {
	w.t.Helper()
	b, _, err := w.svc.PhotoFile(w.ctx, p, w.oak.ID, photoID, width)
	w.must(err)
	return b
}

// jpegSegments lists the markers of a JPEG up to its scan.
func jpegSegments(t *testing.T, b []byte) []byte {
	t.Helper()
	if !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		t.Fatalf("not a JPEG: % x", b[:min(8, len(b))])
	}
	var markers []byte
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		markers = append(markers, m)
		if m == 0xDA { // the scan: the picture itself follows
			return markers
		}
		i += 2 + int(b[i+2])<<8 + int(b[i+3])
	}
	t.Fatal("no scan")
	return nil
}

// TestPhotoKeepsNoMetadata: a phone's JPEG carrying its camera and GPS
// position in EXIF is kept at three widths, and no byte of its metadata is in
// any of them: only the segments a bare JPEG needs.
func TestPhotoKeepsNoMetadata(t *testing.T) {
	w := newPlacementWorld(t)
	upload := testkit.PhoneJPEG(testkit.Halves(1600, 1200), 1)
	// The upload does carry what must go (so this test can fail).
	x, err := exif.Decode(bytes.NewReader(upload))
	if err != nil {
		t.Fatalf("the test photo has no EXIF: %v", err)
	}
	if lat, long, err := x.LatLong(); err != nil || lat < 51.4 || lat > 51.6 || long > -0.1 || long < -0.2 {
		t.Fatalf("the test photo's position: %v %v %v", lat, long, err)
	}
	ph, err := w.add(upload, "Your room, with a desk by the window")
	w.must(err)
	if got := ph.Widths; len(got) != 3 || got[0] != 320 || got[1] != 720 || got[2] != 1280 || ph.Width != 1280 || ph.Height != 960 {
		t.Fatalf("widths %v, size %dx%d", got, ph.Width, ph.Height)
	}
	for _, width := range ph.Widths {
		b := w.file(w.oakStaff, ph.ID, width)
		for _, leak := range []string{"Exif", testkit.TestCamera, testkit.TestCameraModel, "JFIF", "II*\x00", "MM\x00*"} {
			if bytes.Contains(b, []byte(leak)) {
				t.Errorf("width %d holds %q", width, leak)
			}
		}
		for _, m := range jpegSegments(t, b) {
			if m >= 0xE0 && m <= 0xEF || m == 0xFE {
				t.Errorf("width %d has an application or comment segment %#x", width, m)
			}
		}
		if _, err := exif.Decode(bytes.NewReader(b)); err == nil {
			t.Errorf("width %d: EXIF still readable", width)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		w.must(err)
		if img.Bounds().Dx() != width {
			t.Errorf("width %d served as %d", width, img.Bounds().Dx())
		}
	}
	// Asking for another width serves the nearest kept one.
	if img, _ := jpeg.Decode(bytes.NewReader(w.file(w.oakStaff, ph.ID, 500))); img.Bounds().Dx() != 720 {
		t.Errorf("a 500-wide request got %d", img.Bounds().Dx())
	}
}

// TestPhotoTurnedUpright: a photo stored sideways with orientation 6 (a phone
// held upright) is kept upright: tall, red at the top, blue below.
func TestPhotoTurnedUpright(t *testing.T) {
	w := newPlacementWorld(t)
	ph, err := w.add(testkit.PhoneJPEG(testkit.Halves(800, 400), 6), "")
	w.must(err)
	if ph.Width != 400 || ph.Height != 800 || len(ph.Widths) != 2 || ph.Widths[0] != 320 || ph.Widths[1] != 400 {
		t.Fatalf("upright photo %dx%d widths %v", ph.Width, ph.Height, ph.Widths)
	}
	img, err := jpeg.Decode(bytes.NewReader(w.file(w.oakStaff, ph.ID, 400)))
	w.must(err)
	b := img.Bounds()
	if b.Dx() != 400 || b.Dy() != 800 {
		t.Fatalf("served %v", b)
	}
	red := func(x, y int) bool { r, _, bl, _ := img.At(x, y).RGBA(); return r > 0xA000 && bl < 0x6000 }
	blue := func(x, y int) bool { r, _, bl, _ := img.At(x, y).RGBA(); return bl > 0xA000 && r < 0x6000 }
	if !red(200, 100) || !red(10, 10) || !blue(200, 700) || !blue(390, 790) {
		t.Errorf("not upright: top %v, bottom %v", img.At(200, 100), img.At(200, 700))
	}
}

// TestRefusedUploadsKeepNothing: bombs, polyglots, other formats, damaged and
// oversized files get a clear problem, and nothing is stored.
func TestRefusedUploadsKeepNothing(t *testing.T) {
	w := newPlacementWorld(t)
	good := testkit.PhoneJPEG(testkit.Halves(64, 48), 1)
	zipped := append(append([]byte{}, good...), []byte("PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00")...)
	zipped = append(zipped, make([]byte, 10)...)
	oversized := append(append([]byte{}, good...), make([]byte, 15<<20)...)
	cases := []refusal{
		{"png bomb 40000x40000", testkit.PNGBomb(40000, 40000), "photo_too_many_pixels"},
		{"png 13000 wide", testkit.PNGBomb(13000, 10), "photo_too_many_pixels"},
		{"jpeg with a web page after it", append(append([]byte{}, good...), []byte("<HTML><script>alert(1)</script></HTML>")...), "photo_not_clean"},
		{"jpeg that is also a zip", zipped, "photo_not_clean"},
		{"pdf named photo.jpg", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF"), "photo_format"},
		{"html", []byte("<!doctype html><p>hello"), "photo_format"},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 100)...), "photo_format"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "photo_format"},
		{"empty", nil, "photo_required"},
		{"cut short", good[:len(good)/3], "photo_unreadable"},
		{"png header, jpeg inside", append([]byte("\x89PNG\r\n\x1a\n"), good...), "photo_unreadable"},
		{"oversized", oversized, "photo_too_large"},
	}
	w.refuseEach(cases)
	prof, err := w.svc.PlacementProfile(w.ctx, w.oakStaff, w.oak.ID)
	w.must(err)
	n, err := w.st.CountPhotoFiles(w.ctx, w.area.ID, w.oak.ID)
	w.must(err)
	if len(prof.Photos) != 0 || n != 0 {
		t.Fatalf("refused uploads left %d photos and %d files", len(prof.Photos), n)
	}
	if !strings.Contains(errorMessage(w.add(cases[6].upload, "")), "JPEG, PNG or WebP") {
		t.Errorf("the HEIC message does not name the formats that work")
	}
}

// refusal is an upload that must be refused with code.
type refusal struct {
	name   string
	upload []byte
	code   string
}

// refuseEach adds each upload and fails unless it is refused as invalid with its code.
func (w *placementWorld) refuseEach(cases []refusal) {
	w.t.Helper()
	for _, c := range cases {
		_, err := w.add(c.upload, "")
		var p *heard.Problem
		if !errors.As(err, &p) || p.Code != c.code || !errors.Is(err, heard.ErrInvalid) {
			w.t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
}

func errorMessage(_ heard.Photo, err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + " " + func() string {
		var p *heard.Problem
		if errors.As(err, &p) {
			return p.Message
		}
		return ""
	}()
}

// TestPhotosKeptByTheirOwnStaff: Oak's staff add, caption, order and remove
// Oak's photos; a retried upload is kept once; Elm's staff cannot touch
// them; a young person sees them only while a move there is shared.
func TestPhotosKeptByTheirOwnStaff(t *testing.T) {
	w := newPlacementWorld(t)
	upload := testkit.PhoneJPEG(testkit.Halves(400, 300), 1)
	n := heard.NewPhoto{ID: heard.NewID(), Kind: heard.PhotoHouse, Caption: "The front garden"}
	first, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, n, upload)
	w.must(err)
	again, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, n, upload)
	w.must(err)
	if again.ID != first.ID || again.AddedAt != first.AddedAt {
		t.Errorf("a retried upload made another photo")
	}
	second, err := w.add(testkit.PNG(testkit.Halves(200, 100)), "Your bedroom")
	w.must(err)
	if _, err := w.svc.AddPhoto(w.ctx, w.elmStaff, w.oak.ID, heard.NewPhoto{Kind: heard.PhotoHouse}, upload); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("Elm's staff add to Oak: %v", err)
	}
	if err := w.svc.RemovePhoto(w.ctx, w.elmStaff, w.oak.ID, first.ID); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("Elm's staff remove Oak's photo")
	}
	// Elm's phone sending an id Oak's photo has keeps Elm's own photo apart.
	elmPhoto, err := w.svc.AddPhoto(w.ctx, w.elmStaff, w.elm.ID, heard.NewPhoto{ID: first.ID, Kind: heard.PhotoGarden}, testkit.PNG(testkit.Halves(100, 60)))
	w.must(err)
	elmBytes, _, err := w.svc.PhotoFile(w.ctx, w.elmStaff, w.elm.ID, elmPhoto.ID, 100)
	w.must(err)
	if img, err := jpeg.Decode(bytes.NewReader(elmBytes)); err != nil || img.Bounds().Dx() != 100 {
		t.Errorf("Elm's photo with Oak's id is not Elm's: %v", err)
	}
	if img, err := jpeg.Decode(bytes.NewReader(w.file(w.oakStaff, first.ID, 400))); err != nil || img.Bounds().Dx() != 400 {
		t.Errorf("Oak's photo changed: %v", err)
	}
	order, err := w.svc.ReorderPhotos(w.ctx, w.oakStaff, w.oak.ID, heard.PhotoOrder{IDs: []string{second.ID, first.ID}})
	w.must(err)
	if order[0].ID != second.ID {
		t.Errorf("order %v", order)
	}
	if _, err := w.svc.ReorderPhotos(w.ctx, w.oakStaff, w.oak.ID, heard.PhotoOrder{IDs: []string{second.ID, second.ID}}); !errors.Is(err, heard.ErrInvalid) {
		t.Errorf("an order naming one photo twice: %v", err)
	}
	if order, err := w.svc.ReorderPhotos(w.ctx, w.oakStaff, w.oak.ID, heard.PhotoOrder{IDs: []string{first.ID}}); err != nil || order[0].ID != first.ID || order[1].ID != second.ID {
		t.Errorf("an order naming one photo: %v %v", order, err)
	}
	caption := "  Sunny in the morning "
	ch, err := w.svc.ChangePhoto(w.ctx, w.oakStaff, w.oak.ID, first.ID, heard.PhotoChange{Caption: &caption})
	w.must(err)
	if ch.Caption != "Sunny in the morning" || ch.Kind != heard.PhotoHouse {
		t.Errorf("changed photo %+v", ch)
	}

	// Who sees them: the key worker yes; the young person only while a move is shared.
	w.file(w.principal(w.kim), first.ID, 320)
	if _, _, err := w.svc.PhotoFile(w.ctx, w.youngPerson, w.oak.ID, first.ID, 320); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("a young person with no move sees Oak's photo: %v", err)
	}
	move := heard.Move{ID: heard.NewID(), AreaID: w.area.ID, YoungPersonID: w.yara.ID, PlacementID: w.oak.ID,
		Date: w.clock.Now().Add(10 * 24 * time.Hour).Truncate(24 * time.Hour), Status: heard.MovePlanned, CreatedAt: w.clock.Now()}
	w.must(w.st.InsertMove(w.ctx, move))
	if _, _, err := w.svc.PhotoFile(w.ctx, w.youngPerson, w.oak.ID, first.ID, 320); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("a planned, unshared move shows the photo: %v", err)
	}
	w.setMoveStatus(move.ID, heard.MoveShared)
	w.file(w.youngPerson, first.ID, 320)
	if _, _, err := w.svc.PhotoFile(w.ctx, w.youngPerson, w.elm.ID, first.ID, 320); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("the young person sees another placement: %v", err)
	}
	w.setMoveStatus(move.ID, heard.MoveCancelled)
	if _, _, err := w.svc.PhotoFile(w.ctx, w.youngPerson, w.oak.ID, first.ID, 320); !errors.Is(err, heard.ErrForbidden) {
		t.Errorf("a cancelled move still shows the photo: %v", err)
	}

	w.must(w.svc.RemovePhoto(w.ctx, w.oakStaff, w.oak.ID, first.ID))
	if _, _, err := w.svc.PhotoFile(w.ctx, w.oakStaff, w.oak.ID, first.ID, 320); !errors.Is(err, heard.ErrNotFound) {
		t.Errorf("a removed photo is served: %v", err)
	}
	if n, _ := w.st.CountPhotoFiles(w.ctx, w.area.ID, w.oak.ID); n != int64(len(second.Widths)) {
		t.Errorf("%d files left, want %d", n, len(second.Widths))
	}
}

func (w *placementWorld) setMoveStatus(id string, status heard.MoveStatus) {
	w.t.Helper()
	_, err := w.st.ChangeMove(w.ctx, w.area.ID, id, func(m *heard.Move) (bool, error) { m.Status = status; return true, nil })
	w.must(err)
}

// TestAddPhotoUnderFaults fails an upload after each of its writes in turn;
// the phone's retry with the same id ends with the photo listed once and each
// width kept once, and nothing is shown before it is listed.
func TestAddPhotoUnderFaults(t *testing.T) {
	upload := testkit.PhoneJPEG(testkit.Halves(1600, 1200), 1)
	for n := 1; ; n++ {
		w := newPlacementWorld(t)
		np := heard.NewPhoto{ID: heard.NewID(), Kind: heard.PhotoHouse, Caption: "The house"}
		reached := w.failWrite(n)
		_, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, np, upload)
		hit, which := reached()
		if !hit {
			if err != nil || n < 5 {
				t.Fatalf("without a fault: %v after %d writes", err, n-1)
			}
			return
		}
		if err == nil {
			t.Fatalf("after write %d (%s) failed, the upload answered success", n, which)
		}
		if _, _, err := w.svc.PhotoFile(w.ctx, w.oakStaff, w.oak.ID, np.ID, 320); !errors.Is(err, heard.ErrNotFound) && n < 4 {
			t.Errorf("after write %d (%s): a photo not yet listed is served: %v", n, which, err)
		}
		ph, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, np, upload)
		w.must(err)
		prof, err := w.svc.PlacementProfile(w.ctx, w.oakStaff, w.oak.ID)
		w.must(err)
		files, err := w.st.CountPhotoFiles(w.ctx, w.area.ID, w.oak.ID)
		w.must(err)
		if len(prof.Photos) != 1 || prof.Photos[0].ID != ph.ID || files != 3 {
			t.Errorf("after write %d (%s) failed and a retry: %d photos, %d files", n, which, len(prof.Photos), files)
		}
	}
}

// phoneWebP is a small WebP as a phone might send it: an 800x600 picture, red
// on the left and blue on the right, with the camera and position of testkit.PhoneJPEG in an EXIF
// chunk and an author in XMP. Go cannot write WebP, so it was made once:
// the Halves(800, 600) PNG through `cwebp -q 60`, then `webpmux -set exif`
// and `webpmux -set xmp`. Chunks: RIFF header (12 bytes), VP8X at 12 (canvas
// size at 24), VP8 at 30, EXIF, XMP.
func phoneWebP(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "phone.webp"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:4]) != "RIFF" || string(b[12:16]) != "VP8X" || string(b[30:34]) != "VP8 " {
		t.Fatalf("testdata/phone.webp is not the WebP this test expects: % x", b[:40])
	}
	return b
}

// TestWebPPhotoKept: a phone's WebP is kept as JPEG renditions (red then
// blue, at every width) with none of its EXIF or XMP.
func TestWebPPhotoKept(t *testing.T) {
	w := newPlacementWorld(t)
	upload := phoneWebP(t)
	for _, carried := range []string{testkit.TestCamera, "HeardTestXMPAuthor", "EXIF", "XMP "} {
		if !bytes.Contains(upload, []byte(carried)) {
			t.Fatalf("the test WebP does not carry %q", carried)
		}
	}
	ph, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, heard.NewPhoto{ID: heard.NewID(), Kind: heard.PhotoBedroom, ContentType: "image/webp"}, upload)
	w.must(err)
	if got := ph.Widths; len(got) != 3 || got[0] != 320 || got[1] != 720 || got[2] != 800 || ph.Width != 800 || ph.Height != 600 {
		t.Fatalf("widths %v, size %dx%d", ph.Widths, ph.Width, ph.Height)
	}
	for _, width := range ph.Widths {
		b := w.file(w.oakStaff, ph.ID, width)
		for _, leak := range []string{"Exif", testkit.TestCamera, testkit.TestCameraModel, "HeardTestXMPAuthor", "xmpmeta", "RIFF", "WEBP"} {
			if bytes.Contains(b, []byte(leak)) {
				t.Errorf("width %d holds %q", width, leak)
			}
		}
		for _, m := range jpegSegments(t, b) {
			if m >= 0xE0 && m <= 0xEF || m == 0xFE {
				t.Errorf("width %d has an application or comment segment %#x", width, m)
			}
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		w.must(err)
		bounds := img.Bounds()
		if bounds.Dx() != width || bounds.Dy() != width*3/4 {
			t.Errorf("width %d served as %v", width, bounds)
		}
		left, right := img.At(width/4, bounds.Dy()/2), img.At(width*3/4, bounds.Dy()/2)
		r, _, bl, _ := left.RGBA()
		r2, _, bl2, _ := right.RGBA()
		if r < 0xA000 || bl > 0x6000 || bl2 < 0xA000 || r2 > 0x6000 {
			t.Errorf("width %d is not red then blue: %v, %v", width, left, right)
		}
	}
}

// TestWebPThatLiesRefused: a WebP whose header says another size than its
// picture, or that is cut short anywhere, is refused and nothing is kept.
func TestWebPThatLiesRefused(t *testing.T) {
	w := newPlacementWorld(t)
	good := phoneWebP(t)
	changed := func(at int, b ...byte) []byte {
		out := append([]byte{}, good...)
		copy(out[at:], b)
		return out
	}
	vp8 := good[30 : 30+8+int(binary.LittleEndian.Uint32(good[34:38]))]
	// The same picture as a plain WebP (no VP8X canvas), whose only size is
	// the VP8 frame's own (its width and height are at 6 and 8 of the frame).
	plain := func(width, height uint16) []byte {
		frame := append([]byte{}, vp8...)
		binary.LittleEndian.PutUint16(frame[8+6:], width)
		binary.LittleEndian.PutUint16(frame[8+8:], height)
		out := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(4+len(frame)))
		return append(append(out, "WEBP"...), frame...)
	}
	if _, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, heard.NewPhoto{ID: heard.NewID(), Kind: heard.PhotoHouse}, plain(800, 600)); err != nil {
		t.Fatalf("the plain WebP itself is refused: %v", err)
	}
	before, err := w.st.CountPhotoFiles(w.ctx, w.area.ID, w.oak.ID)
	w.must(err)
	riffSize := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	cases := []refusal{
		{"canvas says 40000x40000", changed(24, 0x3f, 0x9c, 0x00, 0x3f, 0x9c, 0x00), "photo_too_many_pixels"},
		{"canvas says 16x16, the picture is 800x600", changed(24, 15, 0, 0, 15, 0, 0), "photo_unreadable"},
		{"canvas says 1600x1200, the picture is 800x600", changed(24, 0x3f, 0x06, 0x00, 0xaf, 0x04, 0x00), "photo_unreadable"},
		{"frame says 16000x12000", plain(16000, 12000), "photo_too_many_pixels"},
		{"frame says 1600x1200, the picture is 800x600", plain(1600, 1200), "photo_unreadable"},
		{"RIFF says longer than the file", changed(4, riffSize(uint32(len(good)))...), "photo_unreadable"},
		{"RIFF says shorter than the file", changed(4, riffSize(uint32(len(good)-100))...), "photo_unreadable"},
		{"cut in the picture", good[:600], "photo_unreadable"},
		{"cut in the EXIF", good[:1250], "photo_unreadable"},
		{"cut in the XMP", good[:len(good)-20], "photo_unreadable"},
		{"only the RIFF header", good[:12], "photo_unreadable"},
	}
	w.refuseEach(cases)
	prof, err := w.svc.PlacementProfile(w.ctx, w.oakStaff, w.oak.ID)
	w.must(err)
	n, err := w.st.CountPhotoFiles(w.ctx, w.area.ID, w.oak.ID)
	w.must(err)
	if len(prof.Photos) != 1 || n != before {
		t.Fatalf("refused WebPs left %d photos (want the 1 plain one) and %d files (want %d)", len(prof.Photos), n, before)
	}
}
