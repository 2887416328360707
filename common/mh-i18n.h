/* Marks strings for the gettext template without translating them here:
 * the helper sends them as polkit.message, and polkitd translates them in
 * the language of the person asked, with the domain microvm-helper. */
#pragma once

#define MH_GETTEXT_DOMAIN "microvm-helper"
#define N_(text) (text)
