//go:build mluviigen

package mluviitest
