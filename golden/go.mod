// Module golden holds the golden cases of mluviigen's generator: each
// <case>/spec.yaml with the package generated from it in <case>/want/, or the
// errors it must produce in <case>/stderr.golden. It is a module of its own so
// the goldens stay out of the main module's "go test ./..." while
// "cd golden && go vet ./..." still proves that every golden compiles.
// Generated code imports only the standard library, hence no requirements.
module github.com/mluviigen/mluviigen/golden

go 1.26
