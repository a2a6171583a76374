package service_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"heard"
)

// phonePhoto12MP is a 4000×3000 JPEG with a phone's detail (gradients, edges
// and sensor noise), about the size a phone sends.
func phonePhoto12MP(tb testing.TB) []byte {
	tb.Helper()
	const w, h = 4000, 3000
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 110 + 60*math.Sin(float64(x)/37)*math.Cos(float64(y)/53) + float64((x/200+y/150)%2)*30 + r.NormFloat64()*6
			img.Y[img.YOffset(x, y)] = uint8(max(0, min(255, v)))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(120+i%17), uint8(130+i%13)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// heapPeak samples the Go heap every millisecond until stop, and returns the
// largest value seen above the heap at the start.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				if p := peak.Load(); p > base {
					out <- p - base
				} else {
					out <- 0
				}
				return
			case <-t.C:
				if v := read(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	return out
}

// BenchmarkPhotoUpload12MP times a 12-megapixel phone photo from upload to
// ready (checked, decoded, turned upright, three widths encoded, stored, listed
// on the profile) and reports the peak heap it takes above the heap before.
// Run by command (not part of go test ./...):
//
//	go test -run '^$' -bench PhotoUpload -benchtime 5x ./service/
func BenchmarkPhotoUpload12MP(b *testing.B) {
	photo := phonePhoto12MP(b)
	w := newPlacementWorld(b)
	b.ResetTimer()
	var peak uint64
	var last heard.Photo
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if i > 0 && i%20 == 0 { // a placement keeps at most 24 photos
			w = newPlacementWorld(b)
		}
		runtime.GC()
		stop := make(chan struct{})
		peaks := heapPeak(stop)
		b.StartTimer()
		ph, err := w.svc.AddPhoto(w.ctx, w.oakStaff, w.oak.ID, heard.NewPhoto{ID: heard.NewID(), Kind: heard.PhotoBedroom, Caption: "Your room"}, photo)
		b.StopTimer()
		close(stop)
		if p := <-peaks; p > peak {
			peak = p
		}
		if err != nil || len(ph.Widths) != 3 {
			b.Fatalf("upload: %v %v", ph, err)
		}
		last = ph
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(photo))/(1<<20), "upload-MB")
	// What a phone fetches of it: the kept widths' sizes.
	for _, width := range last.Widths {
		jpg, _, err := w.svc.PhotoFile(w.ctx, w.oakStaff, w.oak.ID, last.ID, width)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(jpg))/1024, fmt.Sprintf("KB-at-%d", width))
	}
}
