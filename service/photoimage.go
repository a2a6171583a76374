package service

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // decoders: JPEG, PNG and WebP are the formats phones send that Go reads
	"runtime/debug"
	"strings"

	"github.com/rwcarlsen/goexif/exif"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"heard"
)

// A placement's photo, from upload to renditions: the bytes are checked to be
// one image of a format Heard reads and nothing else, its size is checked
// before it is decoded, and it is decoded, turned upright from its EXIF
// orientation, resized and encoded again as JPEG. Encoding again is what
// strips every piece of metadata (location, camera, dates): only pixels pass.

// Limits of an upload.
const (
	// PhotoMaxBytes bounds an upload; a 12-megapixel phone JPEG is 3-6 MB.
	PhotoMaxBytes = 15 << 20
	// PhotoMaxPixels bounds the decoded size (a 48-megapixel phone photo is
	// 192 MB decoded; more is a decompression bomb, not a photo).
	PhotoMaxPixels = 50_000_000
	// PhotoMaxSide bounds either side.
	PhotoMaxSide = 12_000
	// photoQuality is the renditions' JPEG quality.
	photoQuality = 80
)

// photoFormats names the formats that work, for the error about the others.
const photoFormats = "JPEG, PNG or WebP"

func photoProblem(code, message string) error {
	return &heard.Problem{Kind: heard.ErrInvalid, Code: code, Message: message}
}

var (
	errPhotoFormat = photoProblem("photo_format", "This is not a photo Heard can read: send a "+photoFormats+" photo.")
	errPhotoHEIC   = photoProblem("photo_format", "HEIC photos cannot be read yet: send a "+photoFormats+" photo (on an iPhone, Settings › Camera › Formats › Most Compatible, or share the photo, which sends a JPEG).")
	errPhotoBig    = photoProblem("photo_too_large", "The photo is larger than 15 MB.")
	errPhotoPixels = photoProblem("photo_too_many_pixels", "The photo has more than 50 megapixels.")
	errPhotoBroken = photoProblem("photo_unreadable", "The photo could not be read; it may be damaged.")
	errPhotoMixed  = photoProblem("photo_not_clean", "The file holds more than a photo, so it was not kept.")
	errPhotoEmpty  = photoProblem("photo_required", "Choose a photo to send.")
)

// sniffPhoto names the format the bytes begin with, or refuses them.
func sniffPhoto(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", errPhotoEmpty
	case len(b) > PhotoMaxBytes:
		return "", errPhotoBig
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg", nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png", nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		if !webpWhole(b) {
			return "", errPhotoBroken
		}
		return "webp", nil
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && isHEIF(string(b[8:12])):
		return "", errPhotoHEIC
	}
	return "", errPhotoFormat
}

// webpWhole reports whether a WebP's RIFF size and its chunks' sizes add up
// to exactly the file. The decoder stops after the picture, so without this a
// file cut short in its metadata, or with more hidden after what its header
// says, would be taken.
func webpWhole(b []byte) bool {
	if int64(binary.LittleEndian.Uint32(b[4:8])) != int64(len(b)-8) {
		return false
	}
	at := 12
	for at+8 <= len(b) {
		n := int64(binary.LittleEndian.Uint32(b[at+4 : at+8]))
		end := int64(at) + 8 + n + n&1 // chunks are padded to an even size
		if end > int64(len(b)) {
			return false
		}
		at = int(end)
	}
	return at == len(b) && at > 12
}

// declaredFormat is the format a Content-Type names ("" for types that name
// none, such as application/octet-stream, which phones often send).
func declaredFormat(contentType string) string {
	switch t, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";"); strings.TrimSpace(t) {
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return "jpeg"
	case "image/png":
		return "png"
	case "image/webp":
		return "webp"
	case "application/pdf", "text/html", "image/svg+xml", "image/gif", "application/zip":
		return "other"
	}
	return ""
}

func isHEIF(brand string) bool {
	switch brand {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif":
		return true
	}
	return false
}

// activeMarkers are the beginnings of files a browser, a PDF reader or an
// unzipper would act on (matched in any case). A photo carrying one is a
// polyglot: refused, though the renditions would not carry it, because the
// upload is not what it claims.
var activeMarkers = [][]byte{[]byte("<script"), []byte("<html"), []byte("<svg"), []byte("<?php"), []byte("<!doctype"),
	[]byte("<iframe"), []byte("%pdf-")}

// zipEnd is the end-of-directory record an unzipper looks for near a file's end.
var zipEnd = []byte("PK\x05\x06")

// polyglot reports whether b carries another kind of file besides its image.
// It looks at each '<' and '%' in place (no lower-cased copy of the upload).
func polyglot(b []byte) bool {
	for i, c := range b {
		if c != '<' && c != '%' {
			continue
		}
		for _, m := range activeMarkers {
			if m[0] == c && len(b)-i >= len(m) && bytes.EqualFold(b[i:i+len(m)], m) {
				return true
			}
		}
	}
	tail := b[max(0, len(b)-(1<<16+22)):]
	return bytes.Contains(tail, zipEnd)
}

// rendition is one kept size of a photo, as JPEG.
type rendition struct {
	Width, Height int
	JPEG          []byte
}

// processPhoto turns an upload into its renditions (smallest first) and
// returns the upright size of the largest.
func processPhoto(upload []byte, declared string, widths []int) ([]rendition, error) {
	format, err := sniffPhoto(upload)
	if err != nil {
		return nil, err
	}
	if claimed := declaredFormat(declared); claimed != "" && claimed != format || polyglot(upload) {
		return nil, errPhotoMixed
	}
	cfg, cfgFormat, err := image.DecodeConfig(bytes.NewReader(upload))
	if err != nil {
		return nil, errPhotoBroken
	}
	if cfgFormat != format {
		return nil, errPhotoMixed
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > PhotoMaxSide || cfg.Height > PhotoMaxSide || cfg.Width*cfg.Height > PhotoMaxPixels {
		return nil, errPhotoPixels
	}
	orientation := 1
	if format == "jpeg" {
		orientation = exifOrientation(upload)
	}
	src, _, err := image.Decode(bytes.NewReader(upload))
	if err != nil {
		return nil, errPhotoBroken
	}
	// The decoded upload is the largest thing held; let it go as soon as the
	// first rendition is made (and hand the memory back after a large one).
	defer debug.FreeOSMemory()
	swap := orientation >= 5 // 5-8 turn the picture a quarter
	uprightW := cfg.Width
	if swap {
		uprightW = cfg.Height
	}
	targets := renditionWidths(uprightW, widths)
	out := make([]rendition, len(targets))
	var prev image.Image = src
	for i := len(targets) - 1; i >= 0; i-- {
		// Each smaller rendition is made from the one above it: the full photo
		// is scaled once.
		scaled := scaleTo(prev, targets[i], swap)
		src = nil
		prev = scaled
		upright := orient(scaled, orientation)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, upright, &jpeg.Options{Quality: photoQuality}); err != nil {
			return nil, err
		}
		ub := upright.Bounds()
		out[i] = rendition{Width: ub.Dx(), Height: ub.Dy(), JPEG: buf.Bytes()}
	}
	return out, nil
}

// renditionWidths are the kept widths for an upright width w: each of widths
// narrower than w, then w itself if it is narrower than the largest.
func renditionWidths(w int, widths []int) []int {
	out := []int{}
	for _, kw := range widths {
		if kw >= w {
			return append(out, w)
		}
		out = append(out, kw)
	}
	return out
}

// scaleTo scales img so that its upright width (its height when swap) is w,
// onto white (a transparent PNG has no black background in JPEG).
func scaleTo(img image.Image, w int, swap bool) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	var dw, dh int
	if swap {
		dh = w
		dw = max(1, int(float64(sw)*float64(w)/float64(sh)+0.5))
	} else {
		dw = w
		dh = max(1, int(float64(sh)*float64(w)/float64(sw)+0.5))
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	// A large reduction averages blocks of the source first (every pixel
	// counts, without the kernel's buffer of the whole reduced-width image in
	// float64s: 123 MB for a 12-megapixel photo), then interpolates the last
	// step, which is then less than 2:1.
	if k := min(sw/dw, sh/dh); k >= 2 {
		img = boxShrink(img, k)
		b = img.Bounds()
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}

// boxShrink averages each k×k block of img into one pixel. A phone's JPEG
// (YCbCr) is read in place; anything else is first drawn as RGBA.
func boxShrink(img image.Image, k int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx()/k, b.Dy()/k
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	pixel := func(x, y int) (r, g, bl, a uint32) {
		c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
		return uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A)
	}
	switch src := img.(type) {
	case *image.YCbCr:
		pixel = func(x, y int) (uint32, uint32, uint32, uint32) {
			yi, ci := src.YOffset(x, y), src.COffset(x, y)
			r, g, bl := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
			return uint32(r), uint32(g), uint32(bl), 255
		}
	case *image.RGBA:
		pixel = func(x, y int) (uint32, uint32, uint32, uint32) {
			i := src.PixOffset(x, y)
			return uint32(src.Pix[i]), uint32(src.Pix[i+1]), uint32(src.Pix[i+2]), uint32(src.Pix[i+3])
		}
	default:
		rgba := image.NewRGBA(b)
		draw.Draw(rgba, b, img, b.Min, draw.Src)
		return boxShrink(rgba, k)
	}
	for oy := 0; oy < h; oy++ {
		for ox := 0; ox < w; ox++ {
			var r, g, bl, a uint32
			for y := b.Min.Y + oy*k; y < b.Min.Y+(oy+1)*k; y++ {
				for x := b.Min.X + ox*k; x < b.Min.X+(ox+1)*k; x++ {
					pr, pg, pb, pa := pixel(x, y)
					r, g, bl, a = r+pr, g+pg, bl+pb, a+pa
				}
			}
			i := out.PixOffset(ox, oy)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return out
}

// exifOrientation reads a JPEG's EXIF orientation (1 when there is none or it
// cannot be read: a photo shown as stored is better than none).
func exifOrientation(b []byte) int {
	x, err := exif.Decode(bytes.NewReader(b))
	if err != nil {
		return 1
	}
	tag, err := x.Get(exif.Orientation)
	if err != nil {
		return 1
	}
	v, err := tag.Int(0)
	if err != nil || v < 1 || v > 8 {
		return 1
	}
	return v
}

// orient turns img upright from EXIF orientation o (1-8).
func orient(img *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4: // upside down, mirrored
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // turned a quarter anticlockwise: turn it clockwise
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // turned a quarter clockwise: turn it anticlockwise
				dx, dy = y, w-1-x
			}
			si := img.PixOffset(b.Min.X+x, b.Min.Y+y)
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], img.Pix[si:si+4])
		}
	}
	return dst
}
