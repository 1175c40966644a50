package zz
