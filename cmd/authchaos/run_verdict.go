package main

import "github.com/spf13/pflag"

// addVerdictFlags adds the flags that decide how results are judged.
func addVerdictFlags(fl *pflag.FlagSet, f *runFlags) {
	fl.BoolVar(&f.variants, "variants", false, "also run every variant each selected scenario declares (see `authchaos explain ID`)")
	fl.BoolVar(&f.strict, "strict", false, "count advisories (an error that does not name the cause) as failures")
}
