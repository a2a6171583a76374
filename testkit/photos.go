package testkit

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Photos made inside the tests: a phone's JPEG with its EXIF (camera,
// orientation, GPS position), and files that only pretend to be photos.

// TestCamera and TestGPSLatitude are in the EXIF of PhoneJPEG, so a test can
// look for them in what Heard keeps.
const (
	TestCamera      = "HeardTestCam"
	TestCameraModel = "Pocket-9 Pro"
)

// Halves is a w×h picture whose left half is red and right half blue.
func Halves(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 220, G: 20, B: 20, A: 255}
			if x >= w/2 {
				c = color.RGBA{R: 20, G: 20, B: 220, A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// PhoneJPEG encodes img as a phone would: a JPEG whose APP1 EXIF segment
// names the camera, the orientation and where the photo was taken
// (51.5007 N, 0.1246 W).
func PhoneJPEG(img image.Image, orientation int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		panic(err)
	}
	b := buf.Bytes()
	app1 := exifSegment(orientation)
	out := append([]byte{}, b[:2]...) // SOI
	out = append(out, app1...)
	return append(out, b[2:]...)
}

// exifSegment builds an APP1 "Exif" segment (little-endian TIFF) with IFD0
// holding Make, Model, Orientation and a GPS IFD pointer, and a GPS IFD with
// latitude and longitude.
func exifSegment(orientation int) []byte {
	le := binary.LittleEndian
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // inline when ≤ 4 bytes, else stored after the IFD
	}
	ascii := func(s string) []byte { return append([]byte(s), 0) }
	rational := func(pairs ...uint32) []byte {
		b := make([]byte, 4*len(pairs))
		for i, v := range pairs {
			le.PutUint32(b[4*i:], v)
		}
		return b
	}
	short := func(v uint16) []byte { b := make([]byte, 2); le.PutUint16(b, v); return b }
	long := func(v uint32) []byte { b := make([]byte, 4); le.PutUint32(b, v); return b }

	// Offsets are from the TIFF header's start.
	const ifd0At = 8
	ifd0 := []entry{
		{0x010F, 2, uint32(len(TestCamera) + 1), ascii(TestCamera)},
		{0x0110, 2, uint32(len(TestCameraModel) + 1), ascii(TestCameraModel)},
		{0x0112, 3, 1, short(uint16(orientation))},
		{0x8825, 4, 1, nil}, // GPS IFD offset, set below
	}
	gps := []entry{
		{0x0001, 2, 2, ascii("N")},
		{0x0002, 5, 3, rational(51, 1, 30, 1, 27, 10)},
		{0x0003, 2, 2, ascii("W")},
		{0x0004, 5, 3, rational(0, 1, 7, 1, 285, 10)},
	}
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	dataSize := func(es []entry) int {
		n := 0
		for _, e := range es {
			if len(e.value) > 4 {
				n += len(e.value)
			}
		}
		return n
	}
	gpsAt := ifd0At + ifdSize(len(ifd0)) + dataSize(ifd0)
	ifd0[3].value = long(uint32(gpsAt))
	var tiff bytes.Buffer
	tiff.Write([]byte("II*\x00"))
	tiff.Write(long(ifd0At))
	writeIFD := func(es []entry, at int) {
		data := at + ifdSize(len(es))
		var extra bytes.Buffer
		tiff.Write(short(uint16(len(es))))
		for _, e := range es {
			tiff.Write(short(e.tag))
			tiff.Write(short(e.typ))
			tiff.Write(long(e.count))
			if len(e.value) > 4 {
				tiff.Write(long(uint32(data + extra.Len())))
				extra.Write(e.value)
			} else {
				v := make([]byte, 4)
				copy(v, e.value)
				tiff.Write(v)
			}
		}
		tiff.Write(long(0))
		tiff.Write(extra.Bytes())
	}
	writeIFD(ifd0, ifd0At)
	writeIFD(gps, gpsAt)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// PNGBomb is a valid PNG header claiming a w×h picture with hardly any data:
// decoding it would take w×h×4 bytes.
func PNGBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := func(kind string, data []byte) {
		n := make([]byte, 4)
		binary.BigEndian.PutUint32(n, uint32(len(data)))
		b.Write(n)
		b.WriteString(kind)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(kind))
		crc.Write(data)
		binary.BigEndian.PutUint32(n, crc.Sum32())
		b.Write(n)
	}
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// PNG encodes img as PNG.
func PNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
