"""Runs a module's test_* functions in order, one line each; the exit status of the suite."""
import traceback


def run_tests(namespace):
    passed = failed = 0
    for name, test in [(k, v) for k, v in namespace.items() if k.startswith("test_")]:
        try:
            test()
            passed += 1
            print("PASS", name)
        except Exception:
            failed += 1
            print("FAIL", name)
            traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
