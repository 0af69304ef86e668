// This file is hand-written. mluviigen writes everything else in this
// directory that ends in _gen.go, the mluviitest subpackage and ACTIVITIES.md,
// from the embedded default spec (spec/mluvii.yaml), and it also writes the
// package documentation. Regenerate with "go generate" here or with
// "go run ./cmd/mluviigen" at the repository root; "go test ./..." fails while
// the files are stale.

package mluvii

//go:generate go run github.com/mluviigen/mluviigen/cmd/mluviigen --out . --clean
