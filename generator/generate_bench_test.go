package generator

import (
	"go/format"
	"strings"
	"testing"
	"time"

	"github.com/mluviigen/mluviigen/spec"
)

// BenchmarkGenerateRatio measures Generate of the default spec against
// go/format.Source of the Go files it produces, interleaved in one run, and
// reports their ratio (target ≤ 2):
//
//	go test -run '^$' -bench GenerateRatio ./generator
func BenchmarkGenerateRatio(b *testing.B) {
	s, err := spec.Default()
	if err != nil {
		b.Fatal(err)
	}
	api, err := Build(s)
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{ImportPath: "example.com/bot/mluvii", SpecPath: spec.DefaultPath}
	files, err := Generate(api, opts)
	if err != nil {
		b.Fatal(err)
	}
	var tGen, tFmt time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := Generate(api, opts); err != nil {
			b.Fatal(err)
		}
		tGen += time.Since(start)
		start = time.Now()
		for _, f := range files {
			if strings.HasSuffix(f.Path, ".go") {
				if _, err := format.Source(f.Data); err != nil {
					b.Fatal(err)
				}
			}
		}
		tFmt += time.Since(start)
	}
	b.ReportMetric(float64(tGen)/float64(tFmt), "x-format")
}
