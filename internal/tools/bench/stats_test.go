package main

import (
	"math"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := sortedCopy(ds)
	if ds[0] != 100*time.Millisecond {
		t.Fatal("sortedCopy changed its input")
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing is not 0")
	}
	one := []time.Duration{7 * time.Millisecond}
	if percentile(one, 99) != 7*time.Millisecond || percentile(one, 1) != 7*time.Millisecond {
		t.Error("percentile of one sample is not that sample")
	}
}

func TestMedianAndRatio(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median odd = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median even = %v", got)
	}
	if got := median([]float64{math.NaN(), 5}); got != 5 {
		t.Errorf("median skipping NaN = %v", got)
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
	if got := ratio(3, 2); got != 1.5 {
		t.Errorf("ratio = %v", got)
	}
	if !math.IsNaN(ratio(1, 0)) || !math.IsNaN(ratio(math.NaN(), 1)) {
		t.Error("ratio of unknowns is not NaN")
	}
}
