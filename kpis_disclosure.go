package heard

import "strconv"

// Disclosure control: what of the KPI counts may be published.

// Disclosure limits, after NHS Digital practice (SPEC.md "KPIs").
const (
	// SmallCountMax: below whole-area level, counts from 1 to this are hidden.
	SmallCountMax = 7
	// RoundTo: below whole-area level, other counts are rounded to the nearest multiple.
	RoundTo = 5
	// MinDenominator: a share, median or rate needs at least this many behind it.
	MinDenominator = 10
)

// RoundCount rounds to the nearest multiple of RoundTo (halves cannot occur).
func RoundCount(n int64) int64 { return (n + RoundTo/2) / RoundTo * RoundTo }

// Count is a published count. Value is exact at whole-area level and rounded to
// the nearest 5 below it; it is null when the count is suppressed.
type Count struct {
	Value      *int64 `json:"value"`
	Suppressed bool   `json:"suppressed"`
	// raw is the exact count, kept for shares and intervals computed here; it is
	// never published.
	raw int64
}

// Display is the count as a table cell: the value, or "*" when suppressed.
func (c Count) Display() string {
	if c.Suppressed || c.Value == nil {
		return "*"
	}
	return strconv.FormatInt(*c.Value, 10)
}

// Axis is one dimension of a Cube. Each axis has a total coordinate, CubeTotal.
type Axis struct {
	Name   string
	Values []string
	// BelowArea marks organisational axes (service, placement type): a cell with a
	// specific value on any of them is below whole-area level.
	BelowArea bool
	// NotAdditive: the total is not the sum of the values (for example distinct
	// young people over months), so Add does not fill it and no subtraction along
	// this axis is possible.
	NotAdditive bool
}

// CubeTotal is the coordinate of an axis's total.
const CubeTotal = ""

// Cube holds counts over several axes together with every total, and applies
// disclosure control to all of them at once. Publishing from one cube for every
// filter means a hidden cell cannot be recovered by asking for the totals and
// the other cells separately.
type Cube struct {
	axes      []Axis
	index     []map[string]int
	strides   []int
	raw       []int64
	hidden    []bool
	suppressd bool
}

// NewCube makes an empty cube.
func NewCube(axes ...Axis) *Cube {
	c := &Cube{axes: axes, strides: make([]int, len(axes))}
	size := 1
	for i := len(axes) - 1; i >= 0; i-- {
		c.strides[i] = size
		size *= len(axes[i].Values) + 1
	}
	for _, a := range axes {
		m := map[string]int{CubeTotal: len(a.Values)}
		for j, v := range a.Values {
			m[v] = j
		}
		c.index = append(c.index, m)
	}
	c.raw = make([]int64, size)
	c.hidden = make([]bool, size)
	return c
}

func (c *Cube) offset(coords []string) (int, bool) {
	if len(coords) != len(c.axes) {
		return 0, false
	}
	off := 0
	for i, v := range coords {
		j, ok := c.index[i][v]
		if !ok {
			return 0, false
		}
		off += j * c.strides[i]
	}
	return off, true
}

// Add counts n at coords (one value per axis) and in every total above it along
// additive axes. A NotAdditive axis's total is given explicitly by the caller.
// It reports false, adding nothing, when a coordinate is unknown.
func (c *Cube) Add(n int64, coords ...string) bool {
	base, ok := c.offset(coords)
	if !ok {
		return false
	}
	var free []int // additive axes with a specific value: each may be replaced by its total
	for i, v := range coords {
		if v != CubeTotal && !c.axes[i].NotAdditive {
			free = append(free, i)
		}
	}
	for mask := 0; mask < 1<<len(free); mask++ {
		off := base
		for b, i := range free {
			if mask&(1<<b) != 0 {
				off += (len(c.axes[i].Values) - c.index[i][coords[i]]) * c.strides[i]
			}
		}
		c.raw[off] += n
	}
	c.suppressd = false
	return true
}

func (c *Cube) coordsOf(off int) []int {
	out := make([]int, len(c.axes))
	for i := range c.axes {
		out[i] = off / c.strides[i] % (len(c.axes[i].Values) + 1)
	}
	return out
}

func (c *Cube) belowArea(off int) bool {
	for i, j := range c.coordsOf(off) {
		if c.axes[i].BelowArea && j != len(c.axes[i].Values) {
			return true
		}
	}
	return false
}

// suppress applies primary suppression (1–7 below whole-area level) and then
// secondary suppression: along every additive axis, a total and its parts form
// a sum, and a sum with exactly one hidden member would give that member away,
// so one more is hidden — the smallest non-zero part, else the smallest part,
// else the total — until no sum has exactly one hidden member.
func (c *Cube) suppress() {
	if c.suppressd {
		return
	}
	for off := range c.raw {
		c.hidden[off] = c.belowArea(off) && c.raw[off] >= 1 && c.raw[off] <= SmallCountMax
	}
	for changed := true; changed; {
		changed = false
		for i, a := range c.axes {
			if a.NotAdditive || len(a.Values) == 0 {
				continue
			}
			totalJ := len(a.Values)
			for off := range c.raw {
				if off/c.strides[i]%(totalJ+1) != totalJ {
					continue // visit each sum once, from its total
				}
				if c.fixSum(off, i) {
					changed = true
				}
			}
		}
	}
	c.suppressd = true
}

// fixSum looks at the sum whose total is at off along axis i and hides one more
// member if exactly one is hidden.
func (c *Cube) fixSum(total, i int) bool {
	n := len(c.axes[i].Values)
	first := total - n*c.strides[i]
	hiddenCount := 0
	if c.hidden[total] {
		hiddenCount++
	}
	for j := 0; j < n; j++ {
		if c.hidden[first+j*c.strides[i]] {
			hiddenCount++
		}
	}
	if hiddenCount != 1 {
		return false
	}
	pick := -1
	for _, nonZero := range []bool{true, false} {
		for j := 0; j < n; j++ {
			off := first + j*c.strides[i]
			if c.hidden[off] || nonZero && c.raw[off] == 0 {
				continue
			}
			if pick < 0 || c.raw[off] < c.raw[pick] {
				pick = off
			}
		}
		if pick >= 0 {
			break
		}
	}
	if pick < 0 {
		pick = total
	}
	c.hidden[pick] = true
	return true
}

// Cell is the published count at coords (CubeTotal for a total). Unknown
// coordinates give a suppressed zero, so nothing is published by mistake.
func (c *Cube) Cell(coords ...string) Count {
	c.suppress()
	off, ok := c.offset(coords)
	if !ok {
		return Count{Suppressed: true}
	}
	if c.hidden[off] {
		return Count{Suppressed: true, raw: c.raw[off]}
	}
	v := c.raw[off]
	if c.belowArea(off) {
		v = RoundCount(v)
	}
	return Count{Value: &v, raw: c.raw[off]}
}
