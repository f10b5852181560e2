"""Seed the shared supply catalogue and the standard kits.

About 150 products that medical missions, field clinics and vaccination campaigns in
low-resource settings actually use: medicines (generic INN names, WHO spelling, strengths and
dosage forms in the style of the WHO Model List of Essential Medicines), vaccines of national
immunisation programmes, consumables and basic equipment; and five kits built from them.

``essential_medicine`` is true only when that medicine, in that strength and dosage form, is on
the WHO Model List of Essential Medicines (23rd list, 2023); when in doubt it is false.
Consumables and equipment are never flagged. ``unit_weight_grams`` is an approximate weight of
one unit of issue in its primary packaging, used to estimate parcel weights.

Item names (INNs) and strengths are international and stay untranslated. Units of issue and
kit names and descriptions are marked with gettext_noop so that makemessages extracts them;
the interface translates them when displayed.
"""

from decimal import Decimal

from django.db import migrations
from django.utils.translation import gettext_noop

# Units of issue: a small fixed vocabulary.
TABLET = gettext_noop("tablet")
DISPERSIBLE_TABLET = gettext_noop("dispersible tablet")
CAPSULE = gettext_noop("capsule")
PESSARY = gettext_noop("pessary")
BLISTER_OF_28_TABLETS = gettext_noop("blister of 28 tablets")
SACHET = gettext_noop("sachet")
VIAL = gettext_noop("vial")
VIAL_OF_10_ML = gettext_noop("vial of 10 ml")
VIAL_OF_20_ML = gettext_noop("vial of 20 ml")
VIAL_OF_50_ML = gettext_noop("vial of 50 ml")
AMPOULE_OF_1_ML = gettext_noop("ampoule of 1 ml")
AMPOULE_OF_2_ML = gettext_noop("ampoule of 2 ml")
AMPOULE_OF_10_ML = gettext_noop("ampoule of 10 ml")
BOTTLE_OF_10_ML = gettext_noop("bottle of 10 ml")
BOTTLE_OF_30_ML = gettext_noop("bottle of 30 ml")
BOTTLE_OF_100_ML = gettext_noop("bottle of 100 ml")
BOTTLE_OF_200_ML = gettext_noop("bottle of 200 ml")
BOTTLE_OF_100_STRIPS = gettext_noop("bottle of 100 strips")
BAG_OF_100_ML = gettext_noop("bag of 100 ml")
BAG_OF_500_ML = gettext_noop("bag of 500 ml")
BAG_OF_1000_ML = gettext_noop("bag of 1000 ml")
TUBE = gettext_noop("tube")
TUBE_OF_5_G = gettext_noop("tube of 5 g")
TUBE_OF_10_G = gettext_noop("tube of 10 g")
TUBE_OF_30_G = gettext_noop("tube of 30 g")
TUBE_OF_50_G = gettext_noop("tube of 50 g")
INHALER_OF_200_DOSES = gettext_noop("inhaler of 200 doses")
PIECE = gettext_noop("piece")
PAIR = gettext_noop("pair")
ROLL = gettext_noop("roll")
PACK_OF_5 = gettext_noop("pack of 5")
BOX_OF_50 = gettext_noop("box of 50")
BOX_OF_100 = gettext_noop("box of 100")
TEST = gettext_noop("test")
SET = gettext_noop("set")

COLD_CHAIN = "cold_chain"  # must be stored and transported at 2–8 °C
CONTROLLED = "controlled_substance"  # under international control (1961 or 1971 convention)

# (code, INN, strength, dosage form, unit of issue, on the WHO EML 2023, grams per unit, *flags)
MEDICINES = [
    # Analgesics, anaesthesia, opioids and their antidote
    ("paracetamol-500mg-tablet", "paracetamol", "500 mg", "tablet", TABLET, True, "0.7"),
    ("paracetamol-120mg-5ml-oral-liquid", "paracetamol", "120 mg/5 ml", "oral_liquid", BOTTLE_OF_100_ML, True, "160"),
    ("ibuprofen-200mg-tablet", "ibuprofen", "200 mg", "tablet", TABLET, True, "0.4"),
    ("ibuprofen-400mg-tablet", "ibuprofen", "400 mg", "tablet", TABLET, True, "0.7"),
    ("morphine-10mg-ml-injection", "morphine", "10 mg/ml", "injection", AMPOULE_OF_1_ML, True, "2", CONTROLLED),
    ("naloxone-400micrograms-ml-injection", "naloxone", "400 micrograms/ml", "injection", AMPOULE_OF_1_ML, True, "2"),
    ("ketamine-50mg-ml-injection", "ketamine", "50 mg/ml", "injection", VIAL_OF_10_ML, True, "18", CONTROLLED),
    ("lidocaine-1-percent-injection", "lidocaine", "1% (10 mg/ml)", "injection", VIAL_OF_20_ML, True, "35"),
    # Antibacterials
    ("amoxicillin-500mg-capsule", "amoxicillin", "500 mg", "capsule", CAPSULE, True, "0.8"),
    ("amoxicillin-250mg-dispersible-tablet", "amoxicillin", "250 mg", "dispersible_tablet", DISPERSIBLE_TABLET, True, "0.5"),
    ("amoxicillin-250mg-5ml-powder-for-oral-liquid", "amoxicillin", "250 mg/5 ml", "powder_oral_liquid", BOTTLE_OF_100_ML, True, "95"),
    ("amoxicillin-clavulanic-acid-500mg-125mg-tablet", "amoxicillin + clavulanic acid", "500 mg + 125 mg", "tablet", TABLET, True, "1.1"),
    ("ampicillin-1g-powder-for-injection", "ampicillin", "1 g", "powder_injection", VIAL, True, "14"),
    ("azithromycin-500mg-tablet", "azithromycin", "500 mg", "tablet", TABLET, True, "1"),
    ("benzylpenicillin-1miu-powder-for-injection", "benzylpenicillin", "600 mg (1 million IU)", "powder_injection", VIAL, True, "10"),
    ("benzathine-benzylpenicillin-2-4miu-powder-for-injection", "benzathine benzylpenicillin", "1.44 g (2.4 million IU)", "powder_injection", VIAL, True, "14"),
    ("ceftriaxone-1g-powder-for-injection", "ceftriaxone", "1 g", "powder_injection", VIAL, True, "15"),
    ("ciprofloxacin-250mg-tablet", "ciprofloxacin", "250 mg", "tablet", TABLET, True, "0.5"),
    ("cloxacillin-500mg-capsule", "cloxacillin", "500 mg", "capsule", CAPSULE, True, "0.8"),
    ("doxycycline-100mg-tablet", "doxycycline", "100 mg", "tablet", TABLET, True, "0.4"),
    ("gentamicin-40mg-ml-injection", "gentamicin", "40 mg/ml", "injection", AMPOULE_OF_2_ML, True, "4"),
    ("gentamicin-10mg-ml-injection", "gentamicin", "10 mg/ml", "injection", AMPOULE_OF_2_ML, True, "4"),
    ("metronidazole-250mg-tablet", "metronidazole", "250 mg", "tablet", TABLET, True, "0.5"),
    ("metronidazole-500mg-100ml-infusion", "metronidazole", "500 mg/100 ml", "infusion", BAG_OF_100_ML, True, "120"),
    ("nitrofurantoin-100mg-tablet", "nitrofurantoin", "100 mg", "tablet", TABLET, True, "0.4"),
    ("sulfamethoxazole-trimethoprim-400mg-80mg-tablet", "sulfamethoxazole + trimethoprim", "400 mg + 80 mg", "tablet", TABLET, True, "0.8"),
    ("sulfamethoxazole-trimethoprim-200mg-40mg-5ml-oral-liquid", "sulfamethoxazole + trimethoprim", "200 mg + 40 mg/5 ml", "oral_liquid", BOTTLE_OF_100_ML, True, "160"),
    # Antimalarials
    ("artemether-lumefantrine-20mg-120mg-tablet", "artemether + lumefantrine", "20 mg + 120 mg", "tablet", TABLET, True, "0.5"),
    ("artemether-lumefantrine-20mg-120mg-dispersible-tablet", "artemether + lumefantrine", "20 mg + 120 mg", "dispersible_tablet", DISPERSIBLE_TABLET, True, "0.4"),
    ("artesunate-60mg-powder-for-injection", "artesunate", "60 mg", "powder_injection", VIAL, True, "25"),
    ("artesunate-amodiaquine-100mg-270mg-tablet", "artesunate + amodiaquine", "100 mg + 270 mg", "tablet", TABLET, True, "0.9"),
    ("sulfadoxine-pyrimethamine-500mg-25mg-tablet", "sulfadoxine + pyrimethamine", "500 mg + 25 mg", "tablet", TABLET, True, "0.8"),
    # Antifungals, antivirals, anthelminthics, scabicides
    ("fluconazole-50mg-capsule", "fluconazole", "50 mg", "capsule", CAPSULE, True, "0.4"),
    ("nystatin-100000iu-ml-oral-liquid", "nystatin", "100 000 IU/ml", "oral_liquid", BOTTLE_OF_30_ML, True, "50"),
    ("clotrimazole-500mg-pessary", "clotrimazole", "500 mg", "pessary", PESSARY, True, "3"),
    ("miconazole-2-percent-cream", "miconazole", "2%", "cream", TUBE_OF_30_G, True, "40"),
    ("aciclovir-200mg-tablet", "aciclovir", "200 mg", "tablet", TABLET, True, "0.5"),
    ("albendazole-400mg-chewable-tablet", "albendazole", "400 mg", "tablet", TABLET, True, "1"),
    ("mebendazole-500mg-chewable-tablet", "mebendazole", "500 mg", "tablet", TABLET, True, "1"),
    ("ivermectin-3mg-tablet", "ivermectin", "3 mg", "tablet", TABLET, True, "0.3"),
    ("permethrin-5-percent-cream", "permethrin", "5%", "cream", TUBE_OF_30_G, True, "40"),
    ("benzyl-benzoate-25-percent-lotion", "benzyl benzoate", "25%", "topical_solution", BOTTLE_OF_100_ML, True, "130"),
    # Maternal, newborn and reproductive health
    ("oxytocin-10iu-ml-injection", "oxytocin", "10 IU/ml", "injection", AMPOULE_OF_1_ML, True, "2", COLD_CHAIN),
    ("misoprostol-200micrograms-tablet", "misoprostol", "200 micrograms", "tablet", TABLET, True, "0.3"),
    ("magnesium-sulfate-500mg-ml-injection", "magnesium sulfate", "500 mg/ml (50%)", "injection", AMPOULE_OF_10_ML, True, "20"),
    ("calcium-gluconate-100mg-ml-injection", "calcium gluconate", "100 mg/ml (10%)", "injection", AMPOULE_OF_10_ML, True, "16"),
    ("tranexamic-acid-100mg-ml-injection", "tranexamic acid", "100 mg/ml", "injection", AMPOULE_OF_10_ML, True, "16"),
    ("ferrous-sulfate-folic-acid-60mg-400micrograms-tablet", "ferrous sulfate + folic acid", "60 mg iron + 400 micrograms", "tablet", TABLET, True, "0.5"),
    ("folic-acid-5mg-tablet", "folic acid", "5 mg", "tablet", TABLET, True, "0.2"),
    ("methyldopa-250mg-tablet", "methyldopa", "250 mg", "tablet", TABLET, True, "0.5"),
    ("phytomenadione-1mg-ml-injection", "phytomenadione (vitamin K1)", "1 mg/ml", "injection", AMPOULE_OF_1_ML, True, "2"),
    ("chlorhexidine-7-1-percent-gel", "chlorhexidine", "7.1% (delivering 4%)", "gel", TUBE_OF_10_G, True, "18"),
    ("medroxyprogesterone-acetate-150mg-ml-injection", "medroxyprogesterone acetate", "150 mg/ml", "injection", VIAL, True, "6"),
    ("levonorgestrel-1-5mg-tablet", "levonorgestrel", "1.5 mg", "tablet", TABLET, True, "3"),
    ("ethinylestradiol-levonorgestrel-30micrograms-150micrograms-tablet", "ethinylestradiol + levonorgestrel", "30 micrograms + 150 micrograms", "tablet", BLISTER_OF_28_TABLETS, True, "6"),
    # Non-communicable diseases
    ("amlodipine-5mg-tablet", "amlodipine", "5 mg", "tablet", TABLET, True, "0.3"),
    ("hydrochlorothiazide-25mg-tablet", "hydrochlorothiazide", "25 mg", "tablet", TABLET, True, "0.3"),
    ("enalapril-5mg-tablet", "enalapril", "5 mg", "tablet", TABLET, True, "0.3"),
    ("furosemide-40mg-tablet", "furosemide", "40 mg", "tablet", TABLET, True, "0.3"),
    ("furosemide-10mg-ml-injection", "furosemide", "10 mg/ml", "injection", AMPOULE_OF_2_ML, True, "3"),
    ("simvastatin-20mg-tablet", "simvastatin", "20 mg", "tablet", TABLET, True, "0.4"),
    ("metformin-500mg-tablet", "metformin", "500 mg", "tablet", TABLET, True, "0.8"),
    ("glibenclamide-5mg-tablet", "glibenclamide", "5 mg", "tablet", TABLET, False, "0.3"),
    ("soluble-insulin-human-100iu-ml-injection", "insulin human, soluble", "100 IU/ml", "injection", VIAL_OF_10_ML, True, "15", COLD_CHAIN),
    ("isophane-insulin-human-100iu-ml-injection", "insulin human, isophane", "100 IU/ml", "injection", VIAL_OF_10_ML, True, "15", COLD_CHAIN),
    ("salbutamol-100micrograms-dose-inhaler", "salbutamol", "100 micrograms/dose", "inhalation", INHALER_OF_200_DOSES, True, "30"),
    ("beclometasone-100micrograms-dose-inhaler", "beclometasone", "100 micrograms/dose", "inhalation", INHALER_OF_200_DOSES, True, "30"),
    ("prednisolone-5mg-tablet", "prednisolone", "5 mg", "tablet", TABLET, True, "0.2"),
    # Mental health and neurology
    ("fluoxetine-20mg-capsule", "fluoxetine", "20 mg", "capsule", CAPSULE, True, "0.4"),
    ("haloperidol-5mg-tablet", "haloperidol", "5 mg", "tablet", TABLET, True, "0.3"),
    ("diazepam-5mg-tablet", "diazepam", "5 mg", "tablet", TABLET, True, "0.3", CONTROLLED),
    ("diazepam-5mg-ml-injection", "diazepam", "5 mg/ml", "injection", AMPOULE_OF_2_ML, False, "3", CONTROLLED),
    ("phenobarbital-30mg-tablet", "phenobarbital", "30 mg", "tablet", TABLET, True, "0.3", CONTROLLED),
    ("carbamazepine-200mg-tablet", "carbamazepine", "200 mg", "tablet", TABLET, True, "0.5"),
    # Emergencies, allergy, gastrointestinal
    ("epinephrine-1mg-ml-injection", "epinephrine (adrenaline)", "1 mg/ml", "injection", AMPOULE_OF_1_ML, True, "2"),
    ("hydrocortisone-100mg-powder-for-injection", "hydrocortisone", "100 mg", "powder_injection", VIAL, True, "8"),
    ("dexamethasone-4mg-ml-injection", "dexamethasone", "4 mg/ml", "injection", AMPOULE_OF_1_ML, True, "2"),
    ("loratadine-10mg-tablet", "loratadine", "10 mg", "tablet", TABLET, True, "0.2"),
    ("chlorphenamine-4mg-tablet", "chlorphenamine", "4 mg", "tablet", TABLET, False, "0.2"),
    ("omeprazole-20mg-capsule", "omeprazole", "20 mg", "capsule", CAPSULE, True, "0.4"),
    ("ondansetron-4mg-tablet", "ondansetron", "4 mg", "tablet", TABLET, True, "0.3"),
    ("oral-rehydration-salts-sachet", "oral rehydration salts (low osmolarity)", "20.5 g for 1 l", "oral_powder", SACHET, True, "23"),
    ("zinc-sulfate-20mg-dispersible-tablet", "zinc sulfate", "20 mg", "dispersible_tablet", DISPERSIBLE_TABLET, True, "0.4"),
    ("retinol-200000iu-capsule", "retinol (vitamin A)", "200 000 IU", "capsule", CAPSULE, True, "0.4"),
    ("retinol-100000iu-capsule", "retinol (vitamin A)", "100 000 IU", "capsule", CAPSULE, True, "0.3"),
    # Intravenous fluids and diluents
    ("sodium-chloride-0-9-percent-1000ml-infusion", "sodium chloride", "0.9%", "infusion", BAG_OF_1000_ML, True, "1100"),
    ("sodium-lactate-compound-solution-1000ml-infusion", "sodium lactate, compound solution (Ringer's lactate)", "isotonic", "infusion", BAG_OF_1000_ML, True, "1100"),
    ("glucose-5-percent-500ml-infusion", "glucose", "5%", "infusion", BAG_OF_500_ML, True, "560"),
    ("glucose-50-percent-injection", "glucose", "50%", "injection", VIAL_OF_50_ML, True, "110"),
    ("water-for-injection-10ml", "water for injection", "10 ml", "injection", AMPOULE_OF_10_ML, True, "12"),
    # Eyes, skin, antiseptics
    ("tetracycline-1-percent-eye-ointment", "tetracycline", "1%", "eye_ointment", TUBE_OF_5_G, True, "9"),
    ("chloramphenicol-0-5-percent-eye-drops", "chloramphenicol", "0.5%", "eye_drops", BOTTLE_OF_10_ML, False, "18"),
    ("gentamicin-0-3-percent-eye-drops", "gentamicin", "0.3%", "eye_drops", BOTTLE_OF_10_ML, True, "18"),
    ("silver-sulfadiazine-1-percent-cream", "silver sulfadiazine", "1%", "cream", TUBE_OF_50_G, True, "65"),
    ("povidone-iodine-10-percent-solution", "povidone iodine", "10%", "topical_solution", BOTTLE_OF_200_ML, True, "240"),
]

# (code, name, presentation, dosage form, unit of issue, grams per unit). All are on the WHO
# EML (section 19.3, yellow fever for the countries at risk) and all travel in the cold chain.
VACCINES = [
    ("measles-rubella-vaccine-10-dose", "measles and rubella vaccine (live, attenuated)", "10-dose vial", "powder_injection", VIAL, "8"),
    ("bcg-vaccine-20-dose", "BCG vaccine", "20-dose vial", "powder_injection", VIAL, "5"),
    ("bopv-vaccine-20-dose", "poliomyelitis vaccine, bivalent oral (bOPV)", "20-dose vial", "oral_liquid", VIAL, "10"),
    ("ipv-vaccine-10-dose", "poliomyelitis vaccine, inactivated (IPV)", "10-dose vial", "injection", VIAL, "12"),
    ("pentavalent-vaccine-10-dose", "diphtheria, tetanus, pertussis, hepatitis B and Haemophilus influenzae type b vaccine (pentavalent)", "10-dose vial", "injection", VIAL, "12"),
    ("pcv-vaccine-4-dose", "pneumococcal conjugate vaccine (PCV)", "4-dose vial", "injection", VIAL, "8"),
    ("rotavirus-vaccine-1-dose", "rotavirus vaccine (live, oral)", "1-dose tube", "oral_liquid", TUBE, "15"),
    ("td-vaccine-10-dose", "tetanus and diphtheria vaccine (Td)", "10-dose vial", "injection", VIAL, "12"),
    ("yellow-fever-vaccine-10-dose", "yellow fever vaccine (live, attenuated)", "10-dose vial", "powder_injection", VIAL, "6"),
    ("hpv-vaccine-1-dose", "human papillomavirus vaccine (HPV)", "1-dose vial", "injection", VIAL, "5"),
]

# (code, name, size, dosage form, unit of issue, grams per unit); the dosage form is blank
# except for rapid diagnostic tests.
CONSUMABLES = [
    ("examination-gloves-nitrile-s", "examination gloves, nitrile, non-sterile", "size S", "", BOX_OF_100, "420"),
    ("examination-gloves-nitrile-m", "examination gloves, nitrile, non-sterile", "size M", "", BOX_OF_100, "450"),
    ("examination-gloves-nitrile-l", "examination gloves, nitrile, non-sterile", "size L", "", BOX_OF_100, "480"),
    ("surgical-gloves-sterile-7", "surgical gloves, sterile", "size 7", "", PAIR, "25"),
    ("surgical-gloves-sterile-7-5", "surgical gloves, sterile", "size 7.5", "", PAIR, "25"),
    ("syringe-2ml", "syringe, single use, Luer", "2 ml", "", PIECE, "4"),
    ("syringe-5ml", "syringe, single use, Luer", "5 ml", "", PIECE, "6"),
    ("syringe-10ml", "syringe, single use, Luer", "10 ml", "", PIECE, "9"),
    ("auto-disable-syringe-0-5ml", "auto-disable syringe with fixed needle", "0.5 ml", "", PIECE, "4"),
    ("reconstitution-syringe-5ml", "reconstitution syringe with needle, reuse prevention", "5 ml", "", PIECE, "7"),
    ("hypodermic-needle-21g", "hypodermic needle, single use", "21 G", "", PIECE, "1"),
    ("hypodermic-needle-23g", "hypodermic needle, single use", "23 G", "", PIECE, "1"),
    ("iv-cannula-18g", "IV cannula", "18 G", "", PIECE, "5"),
    ("iv-cannula-20g", "IV cannula", "20 G", "", PIECE, "5"),
    ("iv-cannula-22g", "IV cannula", "22 G", "", PIECE, "5"),
    ("iv-cannula-24g", "IV cannula", "24 G", "", PIECE, "5"),
    ("infusion-giving-set", "infusion giving set", "", "", PIECE, "30"),
    ("gauze-swabs-sterile-10x10cm", "gauze swabs, sterile", "10 cm × 10 cm", "", PACK_OF_5, "12"),
    ("gauze-bandage-10cm", "gauze bandage", "10 cm × 4 m", "", ROLL, "25"),
    ("crepe-bandage-10cm", "crepe bandage, elastic", "10 cm × 4.5 m", "", ROLL, "60"),
    ("adhesive-tape-zinc-oxide-2-5cm", "adhesive tape, zinc oxide", "2.5 cm × 5 m", "", ROLL, "35"),
    ("suture-absorbable-2-0", "suture, absorbable, braided, with needle", "2-0", "", PIECE, "6"),
    ("suture-non-absorbable-3-0", "suture, non-absorbable, monofilament, with needle", "3-0", "", PIECE, "6"),
    ("alcohol-swab", "alcohol swab (isopropyl alcohol 70%)", "", "", PIECE, "1"),
    ("chlorhexidine-alcohol-swab", "skin antiseptic swab (chlorhexidine 2% + isopropyl alcohol 70%)", "", "", PIECE, "2"),
    ("safety-box-5l", "safety box for sharps", "5 l", "", PIECE, "250"),
    ("umbilical-cord-clamp", "umbilical cord clamp", "", "", PIECE, "3"),
    ("scalpel-blade-sterile-15", "scalpel blade, sterile", "no. 15", "", PIECE, "2"),
    ("lancet-sterile", "lancet, sterile, single use", "", "", PIECE, "0.3"),
    ("medical-face-mask", "medical face mask (type IIR)", "", "", BOX_OF_50, "180"),
    ("malaria-rapid-diagnostic-test", "malaria rapid diagnostic test (P. falciparum/pan)", "", "rapid_test", TEST, "10"),
    ("hiv-rapid-test", "HIV 1/2 rapid test", "", "rapid_test", TEST, "12"),
    ("pregnancy-test-hcg", "pregnancy test (hCG, urine)", "", "rapid_test", TEST, "5"),
    ("urine-test-strips-10-parameters", "urine test strips, 10 parameters", "", "rapid_test", BOTTLE_OF_100_STRIPS, "70"),
    ("blood-glucose-test-strips", "blood glucose test strips", "", "rapid_test", BOX_OF_50, "40"),
]

# (code, name, size, unit of issue, grams per unit)
EQUIPMENT = [
    ("stethoscope-dual-head", "stethoscope, dual head", "", PIECE, "180"),
    ("sphygmomanometer-aneroid-adult", "sphygmomanometer, aneroid, with adult cuff", "", PIECE, "500"),
    ("sphygmomanometer-aneroid-paediatric", "sphygmomanometer, aneroid, with paediatric cuff", "", PIECE, "450"),
    ("thermometer-digital", "clinical thermometer, digital", "", PIECE, "15"),
    ("pulse-oximeter-fingertip", "pulse oximeter, fingertip", "", PIECE, "60"),
    ("glucometer", "blood glucose meter", "", PIECE, "120"),
    ("otoscope", "otoscope with reusable specula", "", PIECE, "300"),
    ("weighing-scale-adult", "weighing scale, adult, electronic", "", PIECE, "2000"),
    ("weighing-scale-infant-hanging", "hanging scale for infants, 25 kg, with weighing trousers", "", PIECE, "900"),
    ("muac-tape-child", "MUAC tape, child", "", PIECE, "2"),
    ("vaccine-carrier-1-7l", "vaccine carrier with 4 ice packs", "1.7 l", PIECE, "2200"),
    ("cold-box-20l", "cold box, long range", "20 l", PIECE, "12000"),
    ("resuscitation-bag-adult", "self-inflating resuscitation bag with masks, adult", "", PIECE, "700"),
    ("resuscitation-bag-neonatal", "self-inflating resuscitation bag with masks, neonatal", "", PIECE, "350"),
    ("headlamp-led", "headlamp, LED", "", PIECE, "100"),
    ("delivery-instrument-set", "delivery set (stainless steel instruments)", "", SET, "700"),
    ("suture-instrument-set", "suture set (stainless steel instruments)", "", SET, "400"),
]

# (code, name, description, [(item code, quantity), ...])
KITS = [
    (
        "primary-care-clinic-kit",
        gettext_noop("Primary care clinic kit (about 1,000 consultations)"),
        gettext_noop(
            "Medicines, tests, dressings and basic instruments for a field clinic seeing about 1,000 "
            "adults and children, most of them with fever, cough, diarrhoea, skin or eye infections."
        ),
        [
            ("paracetamol-500mg-tablet", 3000),
            ("paracetamol-120mg-5ml-oral-liquid", 100),
            ("ibuprofen-400mg-tablet", 1000),
            ("amoxicillin-500mg-capsule", 1500),
            ("amoxicillin-250mg-dispersible-tablet", 2000),
            ("sulfamethoxazole-trimethoprim-400mg-80mg-tablet", 500),
            ("metronidazole-250mg-tablet", 1000),
            ("doxycycline-100mg-tablet", 300),
            ("artemether-lumefantrine-20mg-120mg-tablet", 1440),
            ("artemether-lumefantrine-20mg-120mg-dispersible-tablet", 360),
            ("malaria-rapid-diagnostic-test", 300),
            ("oral-rehydration-salts-sachet", 200),
            ("zinc-sulfate-20mg-dispersible-tablet", 600),
            ("albendazole-400mg-chewable-tablet", 300),
            ("ferrous-sulfate-folic-acid-60mg-400micrograms-tablet", 2000),
            ("retinol-200000iu-capsule", 100),
            ("omeprazole-20mg-capsule", 300),
            ("salbutamol-100micrograms-dose-inhaler", 10),
            ("miconazole-2-percent-cream", 30),
            ("permethrin-5-percent-cream", 30),
            ("tetracycline-1-percent-eye-ointment", 50),
            ("povidone-iodine-10-percent-solution", 10),
            ("gauze-swabs-sterile-10x10cm", 200),
            ("gauze-bandage-10cm", 100),
            ("adhesive-tape-zinc-oxide-2-5cm", 10),
            ("examination-gloves-nitrile-m", 10),
            ("examination-gloves-nitrile-l", 5),
            ("syringe-5ml", 200),
            ("hypodermic-needle-21g", 200),
            ("safety-box-5l", 3),
            ("stethoscope-dual-head", 1),
            ("sphygmomanometer-aneroid-adult", 1),
            ("thermometer-digital", 4),
            ("pulse-oximeter-fingertip", 1),
            ("muac-tape-child", 10),
        ],
    ),
    (
        "midwifery-kit",
        gettext_noop("Midwifery kit (about 50 births)"),
        gettext_noop(
            "Clean and safe delivery, prevention and treatment of post-partum haemorrhage and "
            "eclampsia, and newborn care for about 50 births. The oxytocin must travel in the cold chain."
        ),
        [
            ("oxytocin-10iu-ml-injection", 100),
            ("misoprostol-200micrograms-tablet", 150),
            ("tranexamic-acid-100mg-ml-injection", 10),
            ("magnesium-sulfate-500mg-ml-injection", 40),
            ("calcium-gluconate-100mg-ml-injection", 5),
            ("phytomenadione-1mg-ml-injection", 50),
            ("tetracycline-1-percent-eye-ointment", 50),
            ("chlorhexidine-7-1-percent-gel", 50),
            ("lidocaine-1-percent-injection", 10),
            ("sodium-lactate-compound-solution-1000ml-infusion", 30),
            ("infusion-giving-set", 30),
            ("iv-cannula-18g", 30),
            ("syringe-5ml", 100),
            ("syringe-10ml", 50),
            ("hypodermic-needle-21g", 150),
            ("surgical-gloves-sterile-7", 50),
            ("surgical-gloves-sterile-7-5", 100),
            ("examination-gloves-nitrile-m", 4),
            ("umbilical-cord-clamp", 100),
            ("suture-absorbable-2-0", 30),
            ("gauze-swabs-sterile-10x10cm", 150),
            ("urine-test-strips-10-parameters", 2),
            ("safety-box-5l", 2),
            ("delivery-instrument-set", 4),
            ("suture-instrument-set", 2),
            ("resuscitation-bag-neonatal", 1),
            ("headlamp-led", 1),
        ],
    ),
    (
        "diarrhoea-treatment-kit",
        gettext_noop("Diarrhoea treatment kit (about 100 patients)"),
        gettext_noop(
            "Oral and intravenous rehydration, zinc and antibiotics for about 100 patients with acute "
            "diarrhoea, including some with severe dehydration, cholera or bloody diarrhoea."
        ),
        [
            ("oral-rehydration-salts-sachet", 600),
            ("zinc-sulfate-20mg-dispersible-tablet", 1000),
            ("sodium-lactate-compound-solution-1000ml-infusion", 60),
            ("infusion-giving-set", 20),
            ("iv-cannula-18g", 10),
            ("iv-cannula-20g", 10),
            ("iv-cannula-22g", 10),
            ("iv-cannula-24g", 10),
            ("adhesive-tape-zinc-oxide-2-5cm", 10),
            ("alcohol-swab", 100),
            ("doxycycline-100mg-tablet", 100),
            ("ciprofloxacin-250mg-tablet", 200),
            ("metronidazole-250mg-tablet", 300),
            ("examination-gloves-nitrile-m", 4),
            ("safety-box-5l", 1),
        ],
    ),
    (
        "vaccination-session-kit",
        gettext_noop("Vaccination session kit (about 500 injections)"),
        gettext_noop(
            "Injection and safety supplies for vaccination sessions totalling about 500 injections, "
            "with a vaccine carrier and adrenaline for anaphylaxis. Vaccines are requested separately."
        ),
        [
            ("auto-disable-syringe-0-5ml", 550),
            ("reconstitution-syringe-5ml", 60),
            ("safety-box-5l", 6),
            ("alcohol-swab", 500),
            ("vaccine-carrier-1-7l", 1),
            ("epinephrine-1mg-ml-injection", 5),
            ("syringe-2ml", 5),
        ],
    ),
    (
        "wound-care-minor-surgery-kit",
        gettext_noop("Wound care and minor surgery kit (about 100 patients)"),
        gettext_noop(
            "Cleaning, suturing and dressing wounds, minor burns and abscesses for about 100 patients, "
            "with local anaesthesia, antibiotics and pain relief."
        ),
        [
            ("suture-instrument-set", 4),
            ("suture-non-absorbable-3-0", 50),
            ("suture-absorbable-2-0", 20),
            ("scalpel-blade-sterile-15", 50),
            ("lidocaine-1-percent-injection", 20),
            ("syringe-5ml", 100),
            ("syringe-10ml", 50),
            ("hypodermic-needle-21g", 150),
            ("sodium-chloride-0-9-percent-1000ml-infusion", 10),
            ("povidone-iodine-10-percent-solution", 10),
            ("gauze-swabs-sterile-10x10cm", 500),
            ("gauze-bandage-10cm", 100),
            ("crepe-bandage-10cm", 20),
            ("adhesive-tape-zinc-oxide-2-5cm", 20),
            ("surgical-gloves-sterile-7", 50),
            ("surgical-gloves-sterile-7-5", 100),
            ("examination-gloves-nitrile-m", 4),
            ("examination-gloves-nitrile-l", 2),
            ("silver-sulfadiazine-1-percent-cream", 20),
            ("cloxacillin-500mg-capsule", 500),
            ("amoxicillin-clavulanic-acid-500mg-125mg-tablet", 200),
            ("paracetamol-500mg-tablet", 500),
            ("ibuprofen-400mg-tablet", 300),
            ("headlamp-led", 1),
            ("safety-box-5l", 2),
        ],
    ),
]


def catalogue():
    """Every item as (code, field values), in one shape whatever its category."""
    for code, name, strength, form, unit, essential, grams, *flags in MEDICINES:
        yield code, {
            "name": name,
            "strength": strength,
            "dosage_form": form,
            "unit": unit,
            "category": "medicine",
            "cold_chain": COLD_CHAIN in flags,
            "controlled_substance": CONTROLLED in flags,
            "essential_medicine": essential,
            "unit_weight_grams": Decimal(grams),
        }
    for code, name, presentation, form, unit, grams in VACCINES:
        yield code, {
            "name": name,
            "strength": presentation,
            "dosage_form": form,
            "unit": unit,
            "category": "vaccine",
            "cold_chain": True,
            "controlled_substance": False,
            "essential_medicine": True,
            "unit_weight_grams": Decimal(grams),
        }
    for code, name, size, form, unit, grams in CONSUMABLES:
        yield code, {
            "name": name,
            "strength": size,
            "dosage_form": form,
            "unit": unit,
            "category": "consumable",
            "cold_chain": False,
            "controlled_substance": False,
            "essential_medicine": False,
            "unit_weight_grams": Decimal(grams),
        }
    for code, name, size, unit, grams in EQUIPMENT:
        yield code, {
            "name": name,
            "strength": size,
            "dosage_form": "",
            "unit": unit,
            "category": "equipment",
            "cold_chain": False,
            "controlled_substance": False,
            "essential_medicine": False,
            "unit_weight_grams": Decimal(grams),
        }


def seed(apps, schema_editor):
    Item = apps.get_model("supplies", "Item")
    Kit = apps.get_model("supplies", "Kit")
    KitLine = apps.get_model("supplies", "KitLine")
    items = {}
    for code, fields in catalogue():
        items[code], _ = Item.objects.update_or_create(code=code, defaults=fields)
    for code, name, description, lines in KITS:
        kit, _ = Kit.objects.update_or_create(code=code, defaults={"name": name, "description": description})
        for item_code, quantity in lines:
            KitLine.objects.update_or_create(kit=kit, item=items[item_code], defaults={"quantity": quantity})
        # The kit is exactly what is listed here: drop lines a previous version had.
        kit.lines.exclude(item__code__in=[item_code for item_code, _ in lines]).delete()


def unseed(apps, schema_editor):
    apps.get_model("supplies", "Kit").objects.filter(code__in=[kit[0] for kit in KITS]).delete()
    apps.get_model("supplies", "Item").objects.filter(code__in=[code for code, _ in catalogue()]).delete()


class Migration(migrations.Migration):
    dependencies = [("supplies", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
