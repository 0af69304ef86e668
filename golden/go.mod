// Module golden holds the golden cases of mluviigen's generator: each
// <case>/spec.yaml with the spec-driven part of the package generated from it
// in <case>/want/ (the runtime files are left out, so a want/ directory does not
// compile on its own), or the errors it must produce in <case>/stderr.golden.
// This go.mod only keeps golden/ out of the main module's "./...";
// generator.TestGoldenPackagesVet compiles and vets every case's whole output.
module github.com/mluviigen/mluviigen/golden

go 1.26
