#include "mh-caller.h"

static void
test_hits_and_eviction (void)
{
  g_autoptr (MhCallerCache) cache = mh_caller_cache_new (2);
  g_autoptr (MhCaller) a = mh_caller_new (":1.1", 1000, 11);
  g_autoptr (MhCaller) b = mh_caller_new (":1.2", 1001, 12);
  g_autoptr (MhCaller) c = mh_caller_new (":1.3", 1002, 13);
  const MhCaller *found;

  mh_caller_cache_insert (cache, a);
  mh_caller_cache_insert (cache, b);
  mh_caller_cache_insert (cache, a); /* already there: no duplicate */
  g_assert_cmpuint (mh_caller_cache_size (cache), ==, 2);

  found = mh_caller_cache_lookup (cache, ":1.1");
  g_assert_nonnull (found);
  g_assert_cmpuint (found->uid, ==, 1000);
  g_assert_cmpuint (found->pid, ==, 11);

  /* :1.1 was used last, so :1.2 is the one that goes. */
  mh_caller_cache_insert (cache, c);
  g_assert_cmpuint (mh_caller_cache_size (cache), ==, 2);
  g_assert_null (mh_caller_cache_lookup (cache, ":1.2"));
  g_assert_nonnull (mh_caller_cache_lookup (cache, ":1.1"));
  g_assert_cmpuint (mh_caller_cache_lookup (cache, ":1.3")->uid, ==, 1002);
  g_assert_null (mh_caller_cache_lookup (cache, ":1.4"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/caller-cache/hits-and-eviction", test_hits_and_eviction);
  return g_test_run ();
}
