return {
  default = "main",
  profiles = {
    main = {
      admin = { host = "api-main.example.com", ikey = "DIMAINADMIN", skey = env "FUZZ_NO_SUCH_VARIABLE" },
      accounts = { host = "api-main.example.com:443", ikey = "DIMAINACCOUNTS" },
      mappings = "main.mappings.json",
      timeout = 7, max_retries = 2, ca = "system",
      children = { DA0123456789ABCDEFGH = { host = "api-zz.example.com", ikey = "DIZZ" } },
    },
    lab = { auth = { host = "h", ikey = "DILAB", sig_version = 2 } },
  },
}
