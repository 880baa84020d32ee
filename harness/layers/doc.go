// Package layers holds the test that keeps Herald's import graph pointing down (see its test file).
package layers
