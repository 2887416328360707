/* The PCI address validator: what the helper accepts from callers,
 * runners and the administrator's configuration, and the canonical form
 * it turns it into. */
#include <string.h>

#include "mh-error.h"
#include "mh-pci-address.h"

static void
test_canonical (void)
{
  const struct {
    const char *in;
    const char *out;
  } cases[] = {
    { "0000:01:00.0", "0000:01:00.0" }, { "01:00.0", "0000:01:00.0" },
    { "0000:AB:1F.7", "0000:ab:1f.7" }, { "ab:1f.7", "0000:ab:1f.7" },
    { "ffff:ff:1f.7", "ffff:ff:1f.7" }, { "10De:0A:03.1", "10de:0a:03.1" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *canonical = mh_pci_address_canonicalize (cases[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (canonical, ==, cases[i].out);
      g_assert_true (mh_pci_address_is_canonical (cases[i].out));
    }
  g_assert_false (mh_pci_address_is_canonical ("01:00.0"));
  g_assert_false (mh_pci_address_is_canonical ("0000:0A:00.0"));
}

static void
test_invalid (void)
{
  g_autofree char *long_text = g_strnfill (10000, '1');
  const char *cases[] = {
    "",
    "1:00.0", /* one-digit bus */
    "0000:1:00.0",
    "0000:01:0.0",
    "0000:01:00", /* no function */
    "0000:01:00.",
    "0000:01:20.0", /* device above 1f */
    "0000:01:00.8", /* function above 7 */
    "0000:01:00.00",
    "00000:01:00.0", /* five-digit domain */
    "000:01:00.0",
    " 0000:01:00.0",
    "0000:01:00.0 ",
    "0000:01:00.0\n",
    "0000-01-00.0",
    "0000:01:00:0",
    "g000:01:00.0",
    "0x00:01:00.0",
    "+000:01:00.0",
    "../../../../x",
    "0000:01:00.0/../../x",
    long_text,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *canonical = mh_pci_address_canonicalize (cases[i], &error);

      if (canonical != NULL)
        g_error ("\"%s\" was accepted as %s", cases[i], canonical);
      g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "DDDD:BB:DD.F"));
      g_assert_cmpuint (strlen (error->message), <, 300); /* hostile input is cut */
      g_assert_false (mh_pci_address_is_canonical (cases[i]));
    }
  {
    g_autoptr (GError) error = NULL;
    g_assert_null (mh_pci_address_canonicalize (NULL, &error));
    g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_ids (void)
{
  const char *bad[] = { "",          "8086",       "8086:",    ":10d3",
                        "8086:10d",  "8086:10d3:", "808610d3", "8086 10d3",
                        "0x86:10d3", "8086:10d3 ", "xxxx:10d3" };
  guint16 vendor = 0, device = 0;

  g_assert_true (mh_pci_id_parse ("8086:10d3", &vendor, &device, NULL));
  g_assert_cmphex (vendor, ==, 0x8086);
  g_assert_cmphex (device, ==, 0x10d3);
  g_assert_true (mh_pci_id_parse ("10DE:1Eb8", &vendor, &device, NULL));
  g_assert_cmphex (vendor, ==, 0x10de);
  g_assert_cmphex (device, ==, 0x1eb8);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      if (mh_pci_id_parse (bad[i], &vendor, &device, &error))
        g_error ("\"%s\" was accepted as an id", bad[i]);
      g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pci-address/canonical", test_canonical);
  g_test_add_func ("/pci-address/invalid", test_invalid);
  g_test_add_func ("/pci-address/ids", test_ids);
  return g_test_run ();
}
