package api

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Load shedding. Past capacity Heard says "try again in a moment" (503 with
// Retry-After) at once, rather than letting requests queue until they time out
// inside the database and fail. Fiber has no middleware that bounds the
// requests being worked on at once (limiter counts requests per client over a
// window, timeout bounds one handler), so this is a small semaphore with a
// short, bounded wait. It guards /api only: health answers and the app's files
// stay quick whatever the load, so a busy Heard is never mistaken for a dead one.

// DefaultMaxInFlight is 8 API requests per core (16 on 2 cores): about as many
// as the embedded database is given calls at once (store.EmbeddedInFlight), as
// each request makes its calls one after another.
func DefaultMaxInFlight() int { return max(8, 8*runtime.GOMAXPROCS(0)) }

// DefaultQueueWait is how long a request may wait for a place before it is
// told to try again.
const DefaultQueueWait = 2 * time.Second

// busyRetryAfter is the Retry-After, in seconds, of a "busy" answer; the app
// adds jitter so that phones do not come back all at once.
const busyRetryAfter = 3

func errBusy() *Error {
	return &Error{Status: fiber.StatusServiceUnavailable, Code: "busy", Message: "Heard is busy; please try again in a moment.", RetryAfter: busyRetryAfter}
}

// shedder bounds the requests being worked on and the requests waiting.
type shedder struct {
	slots    chan struct{}
	waiting  atomic.Int64
	maxQueue int64
	wait     time.Duration
}

func newShedder(maxInFlight int, wait time.Duration) *shedder {
	// A short queue: four waiting per place, each for at most wait.
	return &shedder{slots: make(chan struct{}, maxInFlight), maxQueue: int64(4 * maxInFlight), wait: wait}
}

func (sh *shedder) handle(c *fiber.Ctx) error {
	select {
	case sh.slots <- struct{}{}:
	default:
		if sh.waiting.Add(1) > sh.maxQueue {
			sh.waiting.Add(-1)
			return errBusy()
		}
		timer := time.NewTimer(sh.wait)
		select {
		case sh.slots <- struct{}{}:
			timer.Stop()
			sh.waiting.Add(-1)
		case <-timer.C:
			sh.waiting.Add(-1)
			return errBusy()
		}
	}
	defer func() { <-sh.slots }()
	return c.Next()
}
