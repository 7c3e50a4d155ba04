//! placeholder: replaced by the scanner in the next commit
