// Package layers holds the tests of Herald's house rules over its own source: the import graph points down, and every Gomega description reads the arguments it is given (see its test files).
package layers
