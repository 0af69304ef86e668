// Package ir is the resolved model the emitters work from: Go names made, type
// references and request → response links resolved. It imports neither yaml nor
// jennifer.
package ir

// API is the whole protocol.
type API struct {
	Name string
}
