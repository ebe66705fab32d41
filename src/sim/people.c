/* Fake personal data of the simulated shop's customers: name, e-mail, phone, street address.
 *
 * They exist so the ingest's pseudonymization has something to remove and the no-leak test something to look
 * for. Each value is a pure function of (seed, customer index, country): nothing is stored per customer, so
 * memory stays bounded by the customer count whatever the shop's size, and a case reason can quote its
 * customer's phone number without a lookup table. E-mail addresses and phone numbers are unique per customer
 * (they carry the index through a bijection); names and streets repeat as in any real customer base.
 * Phone numbers use each country's real dialling code with eight scrambled digits; e-mail addresses use the
 * reserved example.com / .org / .net domains (RFC 2606), so no real person or mailbox is addressed. */
#include <stdio.h>
#include <string.h>

#include "sim/sim.h"

typedef struct name_pair { const char *display, *ascii; } name_pair;   /* ascii: the e-mail spelling */

typedef struct language_spec {
    name_pair first[16], last[16];
    const char *street[8];
    int number_first;             /* French style "12 rue de la Gare" rather than "Lindenstraße 12" */
} language_spec;

enum { LANG_DE, LANG_FR, LANG_NL, LANG_IT, LANG_ES, N_LANG };

static const language_spec k_lang[N_LANG] = {
    {{{"Anna", "anna"}, {"Lukas", "lukas"}, {"Sophie", "sophie"}, {"Jonas", "jonas"}, {"Marie", "marie"},
      {"Felix", "felix"}, {"Lena", "lena"}, {"Paul", "paul"}, {"Jürgen", "juergen"}, {"Katrin", "katrin"},
      {"Moritz", "moritz"}, {"Hannah", "hannah"}, {"Stefan", "stefan"}, {"Greta", "greta"}, {"Tobias", "tobias"},
      {"Jana", "jana"}},
     {{"Schmidt", "schmidt"}, {"Müller", "mueller"}, {"Schneider", "schneider"}, {"Fischer", "fischer"},
      {"Weber", "weber"}, {"Meyer", "meyer"}, {"Wagner", "wagner"}, {"Becker", "becker"}, {"Schulz", "schulz"},
      {"Hoffmann", "hoffmann"}, {"Koch", "koch"}, {"Bauer", "bauer"}, {"Richter", "richter"}, {"Klein", "klein"},
      {"Wolf", "wolf"}, {"Schröder", "schroeder"}},
     {"Lindenstraße", "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Am Markt", "Bergstraße",
      "Rosenweg"},
     0},
    {{{"Camille", "camille"}, {"Louis", "louis"}, {"Léa", "lea"}, {"Hugo", "hugo"}, {"Chloé", "chloe"},
      {"Jules", "jules"}, {"Manon", "manon"}, {"Gabriel", "gabriel"}, {"Hélène", "helene"}, {"Théo", "theo"},
      {"Inès", "ines"}, {"Arthur", "arthur"}, {"Juliette", "juliette"}, {"Nathan", "nathan"}, {"Zoé", "zoe"},
      {"François", "francois"}},
     {{"Martin", "martin"}, {"Bernard", "bernard"}, {"Dubois", "dubois"}, {"Thomas", "thomas"}, {"Robert", "robert"},
      {"Richard", "richard"}, {"Petit", "petit"}, {"Durand", "durand"}, {"Leroy", "leroy"}, {"Moreau", "moreau"},
      {"Lefèvre", "lefevre"}, {"Laurent", "laurent"}, {"Simon", "simon"}, {"Michel", "michel"},
      {"Garnier", "garnier"}, {"Rousseau", "rousseau"}},
     {"rue de la Gare", "rue Victor Hugo", "avenue Jean Jaurès", "rue des Lilas", "boulevard Voltaire",
      "rue du Moulin", "place de l'Église", "rue Pasteur"},
     1},
    {{{"Emma", "emma"}, {"Daan", "daan"}, {"Sanne", "sanne"}, {"Bram", "bram"}, {"Fleur", "fleur"},
      {"Sem", "sem"}, {"Lotte", "lotte"}, {"Thijs", "thijs"}, {"Noor", "noor"}, {"Jesse", "jesse"},
      {"Femke", "femke"}, {"Ruben", "ruben"}, {"Isa", "isa"}, {"Joost", "joost"}, {"Eline", "eline"},
      {"Sven", "sven"}},
     {{"de Jong", "dejong"}, {"Jansen", "jansen"}, {"de Vries", "devries"}, {"van den Berg", "vandenberg"},
      {"Bakker", "bakker"}, {"Visser", "visser"}, {"Smit", "smit"}, {"Meijer", "meijer"}, {"de Boer", "deboer"},
      {"Mulder", "mulder"}, {"de Groot", "degroot"}, {"Bos", "bos"}, {"Vos", "vos"}, {"Peters", "peters"},
      {"Hendriks", "hendriks"}, {"van Dijk", "vandijk"}},
     {"Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Nieuwstraat", "Schoolstraat", "Julianalaan",
      "Prinsengracht"},
     0},
    {{{"Giulia", "giulia"}, {"Marco", "marco"}, {"Francesca", "francesca"}, {"Luca", "luca"}, {"Chiara", "chiara"},
      {"Matteo", "matteo"}, {"Sara", "sara"}, {"Andrea", "andrea"}, {"Elena", "elena"}, {"Davide", "davide"},
      {"Martina", "martina"}, {"Nicolò", "nicolo"}, {"Alessia", "alessia"}, {"Simone", "simone"},
      {"Federica", "federica"}, {"Lorenzo", "lorenzo"}},
     {{"Rossi", "rossi"}, {"Russo", "russo"}, {"Ferrari", "ferrari"}, {"Esposito", "esposito"},
      {"Bianchi", "bianchi"}, {"Romano", "romano"}, {"Colombo", "colombo"}, {"Ricci", "ricci"},
      {"Marino", "marino"}, {"Greco", "greco"}, {"Bruno", "bruno"}, {"Gallo", "gallo"}, {"Conti", "conti"},
      {"De Luca", "deluca"}, {"Mancini", "mancini"}, {"Costa", "costa"}},
     {"Via Roma", "Via Garibaldi", "Via Mazzini", "Corso Italia", "Via Dante", "Via Verdi", "Piazza Cavour",
      "Via della Libertà"},
     0},
    {{{"Lucía", "lucia"}, {"Hugo", "hugo"}, {"María", "maria"}, {"Martín", "martin"}, {"Paula", "paula"},
      {"Pablo", "pablo"}, {"Sofía", "sofia"}, {"Daniel", "daniel"}, {"Carmen", "carmen"}, {"Alejandro", "alejandro"},
      {"Laura", "laura"}, {"Javier", "javier"}, {"Elena", "elena"}, {"José", "jose"}, {"Marta", "marta"},
      {"Sergio", "sergio"}},
     {{"García", "garcia"}, {"Rodríguez", "rodriguez"}, {"González", "gonzalez"}, {"Fernández", "fernandez"},
      {"López", "lopez"}, {"Martínez", "martinez"}, {"Sánchez", "sanchez"}, {"Pérez", "perez"},
      {"Gómez", "gomez"}, {"Martín", "martin"}, {"Jiménez", "jimenez"}, {"Ruiz", "ruiz"}, {"Hernández", "hernandez"},
      {"Díaz", "diaz"}, {"Moreno", "moreno"}, {"Núñez", "nunez"}},
     {"Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol", "Plaza de España",
      "Calle Nueva", "Paseo del Prado", "Calle de Alcalá"},
     0},
};

/* Country → language of names and streets, and dialling code plus a city's area code. */
typedef struct people_country { const char *code; int lang; const char *dial; } people_country;
static const people_country k_people_country[] = {
    {"DE", LANG_DE, "+49 30"}, {"AT", LANG_DE, "+43 1"}, {"FR", LANG_FR, "+33 1"}, {"BE", LANG_FR, "+32 2"},
    {"NL", LANG_NL, "+31 20"}, {"IT", LANG_IT, "+39 06"}, {"ES", LANG_ES, "+34 91"}};

static const char *const k_mail_domain[3] = {"example.com", "example.org", "example.net"};

/* Phone digits: index ↦ (index · 73856093 + offset) mod 10^8 is a bijection on 0 … 10^8 − 1 (73856093 shares no
 * factor with 10), so every customer of a shop (at most 10^8) has a different number, and the seed moves them. */
#define PHONE_DIGITS_MOD 100000000LL
#define PHONE_MULTIPLIER 73856093LL

void as__sim_person(uint64_t seed, int64_t index, const char *country, as_sim_person *out) {
    const people_country *pc = &k_people_country[0];
    for (size_t i = 0; i < sizeof k_people_country / sizeof *k_people_country; i++)
        if (strcmp(k_people_country[i].code, country) == 0) pc = &k_people_country[i];
    const language_spec *lang = &k_lang[pc->lang];
    /* One generator per customer, seeded from its index: the values do not depend on generation order. */
    as_sim_rng r;
    as__sim_rng_seed(&r, seed, AS_SIM_STREAM_PEOPLE + (uint64_t)index);
    const name_pair *first = &lang->first[as__sim_range(&r, 0, 15)];
    const name_pair *last = &lang->last[as__sim_range(&r, 0, 15)];
    const char *street = lang->street[as__sim_range(&r, 0, 7)];
    int house = (int)as__sim_range(&r, 1, 120);
    const char *domain = k_mail_domain[as__sim_range(&r, 0, 2)];
    /* The offset is the seed's alone: one shift for all customers keeps the mapping a bijection. */
    as_sim_rng shop_r;
    as__sim_rng_seed(&shop_r, seed, AS_SIM_STREAM_PHONE);
    int64_t offset = (int64_t)(as__sim_rng_next(&shop_r) % (uint64_t)PHONE_DIGITS_MOD);

    snprintf(out->name, sizeof out->name, "%s %s", first->display, last->display);
    snprintf(out->email, sizeof out->email, "%s.%s%lld@%s", first->ascii, last->ascii, (long long)index + 1, domain);
    int64_t digits = (index % PHONE_DIGITS_MOD * PHONE_MULTIPLIER + offset) % PHONE_DIGITS_MOD;
    snprintf(out->phone, sizeof out->phone, "%s %04lld %04lld", pc->dial, (long long)(digits / 10000),
             (long long)(digits % 10000));
    if (lang->number_first) snprintf(out->street, sizeof out->street, "%d %s", house, street);
    else snprintf(out->street, sizeof out->street, "%s %d", street, house);
}
