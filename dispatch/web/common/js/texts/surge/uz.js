// @ts-check
// The surge banner's texts in Uzbek (Latin script: o‘ g‘ with ‘, the tutuq belgisi with ’).

export default {
  surge_banner: "Markaz ortiqcha yuklama rejimida",
  surge_since: "{time} dan beri",
  surge_why_short_erlang: "Erlang C bo‘yicha {needed} kerak, {staffed}",
  surge_needed: { one: "{count} operator", other: "{count} operator" },
  surge_working: { one: "{count} nafari ishlamoqda", other: "{count} nafari ishlamoqda" },
  surge_why_short_waiting: { one: "{count} ta qo‘ng‘iroq qiluvchi maqsaddan ortiq kutmoqda, bo‘sh operator yo‘q", other: "{count} ta qo‘ng‘iroq qiluvchi maqsaddan ortiq kutmoqda, bo‘sh operator yo‘q" },
  surge_why_switched_on: "{who} qo‘lda yoqdi: {reason}",
  surge_why_switched_off: "{who} qo‘lda o‘chirdi: {reason}",
  surge_why_staffed: "operatorlar yetarli",
  surge_why_policy_off: "ortiqcha yuklama rejimi sozlamalarda o‘chirilgan",
  surge_why_no_model: "baholash uchun xizmat darajasi maqsadi yo‘q",
  surge_operator_meaning: "Avval jonli qo‘ng‘iroqlar; tasniflanmagan qo‘ng‘iroqlarning qayta qo‘ng‘iroqlari kutadi.",
  said_surge_reason_needed: "Ortiqcha yuklama rejimi nima uchun qo‘lda almashtirilayotganini yozing",
};
