def test_officer_signs_in_and_sees_start_page(client, make_member, make_user):
    user = make_user("officer", member=make_member(name="Bochum"))
    response = client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert user.email in page.get_data(as_text=True)
